/**
 * Rejections as CSV for spreadsheets, with the same formula-safe cells as the records' CSV
 * export: a crafted value in an imported file cannot become a formula on an operator's machine.
 */
import { spreadsheetSafeCell as safeCell } from '../../common/csv-cell';
import type { RejectedRow } from './import-run';

/** value_shape is last: readers of the four original columns keep working. */
export const REJECTIONS_CSV_HEADER = 'line,column,reason,value,value_shape\n';

export const rejectionCsvLine = (r: RejectedRow): string =>
  `${r.line},${safeCell(r.column)},${safeCell(r.reason)},${safeCell(r.value)},${safeCell(r.valueShape)}\n`;
