import { spreadsheetSafeCell as safeCell } from '../../common/csv-cell';
import { rejectionCsvLine } from './rejections-csv';

describe('rejections CSV', () => {
  it.each(['=1+1', '+33 6', '-2', '@SUM(A1)', '\tx', '\rx'])(
    'defuses %j so a spreadsheet shows it as text',
    (value) => {
      expect(safeCell(value).replace(/^"/, '').startsWith("'")).toBe(true);
    },
  );

  it('quotes cells holding delimiters, quotes or line breaks', () => {
    expect(rejectionCsvLine({ line: 3, column: 'nom', reason: 'a, "b"', value: 'x' })).toBe(
      '3,nom,"a, ""b""",x,\n',
    );
  });

  it('ends with the shape of the cell, the value empty for a dataset with personal data', () => {
    const valueShape = '22 characters: letters, @, punctuation';
    expect(rejectionCsvLine({ line: 3, column: 'ville', reason: 'r', valueShape })).toBe(
      `3,ville,r,,"${valueShape}"\n`,
    );
  });
});
