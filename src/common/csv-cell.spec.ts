import { spreadsheetSafeCell } from './csv-cell';

describe('spreadsheet-safe CSV cells', () => {
  it.each([
    ['=1+1', "'=1+1"],
    ['+33 6', "'+33 6"],
    ['-2', "'-2"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', "'\tx"],
    ['\rx', `"'\rx"`],
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    ['a,b', '"a,b"'],
    ['plain', 'plain'],
  ])('writes %j as %s', (value, cell) => {
    expect(spreadsheetSafeCell(value)).toBe(cell);
  });

  it('keeps NULL and the empty string apart', () => {
    expect(spreadsheetSafeCell(null)).toBe('');
    expect(spreadsheetSafeCell('')).toBe('""');
    expect(spreadsheetSafeCell(12)).toBe('12');
  });
});
