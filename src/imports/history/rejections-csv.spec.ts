import { rejectionCsvLine, safeCell } from './rejections-csv';

describe('rejections CSV', () => {
  it.each(['=1+1', '+33 6', '-2', '@SUM(A1)', '\tx', '\rx'])(
    'defuses %j so a spreadsheet shows it as text',
    (value) => {
      expect(safeCell(value).replace(/^"/, '').startsWith("'")).toBe(true);
    },
  );

  it('quotes cells holding delimiters, quotes or line breaks', () => {
    expect(rejectionCsvLine({ line: 3, column: 'nom', reason: 'a, "b"', value: 'x' })).toBe(
      '3,nom,"a, ""b""",x\n',
    );
  });
});
