/**
 * Turns one CSV cell into the canonical text PostgreSQL will receive for a catalog type, or says
 * why it cannot. Pure functions: they run for every cell of every file, so they avoid regexes
 * with backtracking and allocate as little as possible.
 */
import { INTEGER_RANGE, MONEY_DIGITS, TEXT_MAX_LENGTH } from '../../../catalog/dataset-catalog';
import type { ColumnSpec } from '../../../catalog/dataset.types';
import { ruleViolation } from '../../../catalog/value-rules';

export type FieldResult = { ok: true; value: string | null } | { ok: false; reason: string };

export interface FieldContext {
  /** `;` and tab files may write decimals the French way (`12,50`). */
  decimalComma: boolean;
}

const INT_RE = /^[+-]?\d+$/;
const DECIMAL_RE = /^[+-]?\d+(?:[.,]\d+)?$/;
const ISO_DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const FR_DATE_RE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
const TIME_RE = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?$/;
const TIME_ZONE_RE = /\d(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;
const OUT_OF_RANGE_INT = `out of range (integers go from ${INTEGER_RANGE.min} to ${INTEGER_RANGE.max})`;
const INT_DIGITS = String(INTEGER_RANGE.max).length;
const MAX_MONEY = `${'9'.repeat(MONEY_DIGITS.integer)}.${'9'.repeat(MONEY_DIGITS.fraction)}`;

const fail = (reason: string): FieldResult => ({ ok: false, reason });
const ok = (value: string | null): FieldResult => ({ ok: true, value });
/** The catalog's rules (min, allowed values, e-mail shape...), the trigger's too, on the canonical value. */
const checked = (column: ColumnSpec, value: string): FieldResult => {
  const reason = ruleViolation(column, value);
  return reason ? fail(reason) : ok(value);
};
const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** ISO `YYYY-MM-DD` or French `dd/mm/yyyy`, checked against the calendar. */
export function parseDate(text: string): string | null {
  let y: number, m: number, d: number;
  const iso = ISO_DATE_RE.exec(text);
  if (iso) {
    [y, m, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  } else {
    const fr = FR_DATE_RE.exec(text);
    if (!fr) return null;
    [d, m, y] = [Number(fr[1]), Number(fr[2]), Number(fr[3])];
  }
  if (y < 1 || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return null;
  return `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
}

/** A date (either form) followed by `T` or a space and `hh:mm[:ss]`; a bare date means midnight. */
export function parseTimestamp(text: string): string | null {
  const cut = text.search(/[T ]/);
  const date = parseDate(cut < 0 ? text : text.slice(0, cut));
  if (!date) return null;
  if (cut < 0) return `${date} 00:00:00`;
  const time = TIME_RE.exec(text.slice(cut + 1).trim());
  if (!time) return null;
  const [h, mi, s] = [Number(time[1]), Number(time[2]), Number(time[3] ?? 0)];
  if (h > 23 || mi > 59 || s > 59) return null;
  return `${date} ${pad(h)}:${pad(mi)}:${pad(s)}`;
}

function parseInteger(column: ColumnSpec, text: string): FieldResult {
  if (!INT_RE.test(text)) return fail('not an integer');
  // Leading zeros aside, more digits than the maximum has cannot fit (nor survive Number()).
  if (text.replace(/^[+-]?0*/, '').length > INT_DIGITS) return fail(OUT_OF_RANGE_INT);
  const n = Number(text);
  if (n < INTEGER_RANGE.min || n > INTEGER_RANGE.max) return fail(OUT_OF_RANGE_INT);
  return checked(column, String(n));
}

function parseMoney(column: ColumnSpec, text: string, ctx: FieldContext): FieldResult {
  if (!DECIMAL_RE.test(text) || (!ctx.decimalComma && text.includes(',')))
    return fail('not an amount (expected e.g. 12.50)');
  const normalised = text.replace(',', '.');
  const [whole, fraction = ''] = normalised.replace(/^[+-]/, '').split('.');
  if (whole.replace(/^0+/, '').length > MONEY_DIGITS.integer)
    return fail(`out of range (amounts go up to ${MAX_MONEY})`);
  if (fraction.length > MONEY_DIGITS.fraction)
    return fail(`at most ${MONEY_DIGITS.fraction} decimals`);
  return checked(column, normalised);
}

function parseTyped(column: ColumnSpec, text: string, ctx: FieldContext): FieldResult {
  switch (column.type) {
    case 'integer':
      return parseInteger(column, text);
    case 'money':
      return parseMoney(column, text, ctx);
    case 'date': {
      const date = parseDate(text);
      return date
        ? checked(column, date)
        : fail('not a valid date (expected YYYY-MM-DD or dd/mm/yyyy)');
    }
    case 'timestamp': {
      const ts = parseTimestamp(text);
      if (ts) return ok(ts);
      return TIME_ZONE_RE.test(text)
        ? fail('not a valid timestamp: time zones are not accepted (local time expected)')
        : fail('not a valid timestamp (expected YYYY-MM-DD hh:mm[:ss] or dd/mm/yyyy hh:mm[:ss])');
    }
    case 'text': {
      if (text.length > TEXT_MAX_LENGTH) return fail(`longer than ${TEXT_MAX_LENGTH} characters`);
      return checked(column, text);
    }
  }
}

/** Surrounding spaces are never meaningful in these exports; an empty cell is NULL. */
export function parseField(
  column: ColumnSpec,
  raw: string | undefined,
  ctx: FieldContext,
): FieldResult {
  // Checked on the raw cell: trimming must not hide them, and PostgreSQL cannot store a NUL.
  if (raw?.includes('\u0000')) return fail('holds a NUL byte');
  if (raw?.includes('\uFFFD'))
    return fail("holds bytes that are not valid in the file's character set (invalid UTF-8?)");
  const text = (raw ?? '').trim();
  if (text === '') return column.required ? fail('required value is missing') : ok(null);
  return parseTyped(column, text, ctx);
}
