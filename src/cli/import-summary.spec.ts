import { formatImportSummary } from './import-summary';

const counts = (
  rowsRead: number,
  inserted: number,
  updated: number,
  unchanged: number,
  rejected: number,
) => ({
  rowsRead,
  inserted,
  updated,
  unchanged,
  rejected,
});

describe('import summary table', () => {
  it('lists every file with its counts and time, then a total row that adds them up', () => {
    const table = formatImportSummary([
      {
        file: 'clients.csv',
        dataset: 'clients',
        report: {
          status: 'succeeded',
          counts: counts(1200, 1000, 150, 40, 10),
          durationSeconds: 1.5,
        },
      },
      {
        file: 'magasins.csv',
        dataset: 'magasins',
        report: { status: 'failed', counts: counts(0, 0, 0, 0, 0), durationSeconds: 0.25 },
      },
    ]);
    expect(table.split('\n')).toEqual([
      'file          dataset   read  inserted  updated  unchanged  rejected    time  status',
      '------------  --------  ----  --------  -------  ---------  --------  ------  ---------',
      'clients.csv   clients   1200      1000      150         40        10  1.500s  succeeded',
      'magasins.csv  magasins     0         0        0          0         0  0.250s  failed',
      '------------  --------  ----  --------  -------  ---------  --------  ------  ---------',
      'total                   1200      1000      150         40        10  1.750s  1 failed',
    ]);
  });

  it('counts a run without a duration as 0 s', () => {
    const table = formatImportSummary([
      {
        file: 'a.csv',
        dataset: 'cameras',
        report: { status: 'succeeded', counts: counts(1, 1, 0, 0, 0), durationSeconds: null },
      },
    ]);
    expect(table.split('\n').at(-1)).toMatch(/0\.000s {2}succeeded$/);
  });
});
