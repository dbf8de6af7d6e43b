/**
 * Rejections as CSV for spreadsheets. Cells that a spreadsheet would run as a formula
 * (starting with = + - @, a tab or a carriage return) are prefixed with a single quote, so a
 * crafted value in an imported file cannot become a formula on an operator's machine.
 */
import type { RejectedRow } from './import-run';

export const REJECTIONS_CSV_HEADER = 'line,column,reason,value\n';

export function safeCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const rejectionCsvLine = (r: RejectedRow): string =>
  `${r.line},${safeCell(r.column)},${safeCell(r.reason)},${safeCell(r.value)}\n`;
