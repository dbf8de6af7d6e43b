/**
 * One CSV cell that a spreadsheet opens as text, never as a formula (OWASP "CSV Injection"):
 * a value starting with = + - @, a tab or a carriage return gets a leading single quote, so a
 * crafted value in the data cannot run on the machine of whoever opens the export. Then RFC 4180
 * quoting. NULL is an empty cell; an empty string is `""`, so the two stay apart.
 */
export function spreadsheetSafeCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (text === '') return '""';
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
