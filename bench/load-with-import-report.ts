/**
 * How `npm run load -- --with-import` is judged and printed: the plain load and the load with a
 * large upload side by side, each ratio beside its target, then a machine-readable
 * `LOAD_WITH_IMPORT {...}` line. Ratios are of two runs of the same invocation, so a busy machine
 * moves both sides.
 */
import { formatLoadReport, TargetCheck } from './load-report';
import type { WithImportReport } from './load-with-import';

export const WITH_IMPORT_TARGETS = {
  /** Reads/s with the upload, over reads/s without. */
  readsKept: 0.7,
  /** Read p99 with the upload, over read p99 without. */
  readP99Growth: 2,
  /** Upload seconds under load, over seconds alone. */
  uploadSlowdown: 1.5,
  errors: 0,
} as const;

const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 100) / 100 : NaN);

export function withImportChecks(r: WithImportReport): TargetCheck[] {
  const kept = ratio(r.withImport.readsPerSecond, r.plain.readsPerSecond);
  const p99 = ratio(r.withImport.readP99Ms, r.plain.readP99Ms);
  const upload = ratio(r.upload.withLoadSeconds, r.upload.aloneSeconds);
  const errors = r.plain.errors + r.withImport.errors + r.upload.aloneErrors;
  const t = WITH_IMPORT_TARGETS;
  return [
    { target: `reads/s kept >= ${t.readsKept}`, measured: `${kept}`, met: kept >= t.readsKept },
    {
      target: `read p99 <= ${t.readP99Growth} x`,
      measured: `${p99} x`,
      met: p99 <= t.readP99Growth,
    },
    {
      target: `upload time <= ${t.uploadSlowdown} x alone`,
      measured: `${upload} x`,
      met: upload <= t.uploadSlowdown,
    },
    { target: `errors = ${t.errors}`, measured: String(errors), met: errors === t.errors },
  ];
}

export const withImportExitCode = (r: WithImportReport): number =>
  r.plain.errors + r.withImport.errors + r.upload.aloneErrors > 0 ? 1 : 0;

/** Drops the `LOAD {...}` line of a run's own report: only the comparison's line is machine-read. */
const runTable = (text: string) => text.replace(/\nLOAD .*$/, '');

export function formatWithImportReport(r: WithImportReport): string {
  const { plain, withImport: loaded, upload } = r;
  const rows: string[][] = [
    ['', 'plain load', 'with upload', 'ratio'],
    [
      'reads/s',
      `${plain.readsPerSecond}`,
      `${loaded.readsPerSecond}`,
      `${ratio(loaded.readsPerSecond, plain.readsPerSecond)}`,
    ],
    [
      'read p99 ms',
      `${plain.readP99Ms}`,
      `${loaded.readP99Ms}`,
      `${ratio(loaded.readP99Ms, plain.readP99Ms)}`,
    ],
    ['errors', `${plain.errors}`, `${loaded.errors}`, ''],
    ['event-loop lag p99 ms (worst second)', `${plain.lag.p99Ms}`, `${loaded.lag.p99Ms}`, ''],
    ['event-loop lag max ms', `${plain.lag.maxMs}`, `${loaded.lag.maxMs}`, ''],
    ['seconds of load', `${plain.seconds}`, `${loaded.seconds}`, ''],
    ['', 'alone', 'under load', ''],
    [
      'upload s',
      `${upload.aloneSeconds}`,
      `${upload.withLoadSeconds}`,
      `${ratio(upload.withLoadSeconds, upload.aloneSeconds)}`,
    ],
    ['event-loop lag p99 ms (worst second)', `${upload.aloneLag.p99Ms}`, `${loaded.lag.p99Ms}`, ''],
  ];
  const checks = withImportChecks(r).map((c) => [c.target, c.measured, c.met ? 'met' : 'MISSED']);
  return [
    '',
    '== plain load ==',
    runTable(formatLoadReport(r.plainReport)),
    '',
    `== load with a ${r.importRows.toLocaleString('en-US')}-client upload ${r.importAfterSeconds} s in ==`,
    runTable(formatLoadReport(r.withImportReport)),
    '',
    '== side by side ==',
    ...table(rows),
    '',
    ...table([['target', 'measured', ''], ...checks]),
    '',
    `LOAD_WITH_IMPORT ${JSON.stringify({ ...r, plainReport: undefined, withImportReport: undefined })}`,
  ].join('\n');
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  ')
      .trimEnd(),
  );
}
