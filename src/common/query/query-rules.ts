/**
 * The rules a query-string value must meet, each written once. The decorators in
 * query-decorators.ts apply them to DTO properties; nothing else parses query values.
 *
 * Why so strict: a value PostgreSQL would refuse (an integer beyond its column's range, an ISO
 * week date) must be a 400 here, not a 500 from the database; and a value JavaScript would
 * happily coerce (`1e3`, ` 7`, `0x10`) is not what the caller typed, so it is refused too.
 */

/** Range of PostgreSQL's integer types; bigint stops at JavaScript's safe integers. */
export const INTEGER_RANGES = {
  integer: { min: -2_147_483_648, max: 2_147_483_647 },
  bigint: { min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER },
} as const;

export type IntegerType = keyof typeof INTEGER_RANGES;

export interface IntegerBounds {
  min: number;
  max: number;
}

/** A plain decimal integer within bounds, or undefined. BigInt compares before any rounding. */
export function parseBoundedInteger(raw: unknown, bounds: IntegerBounds): number | undefined {
  if (typeof raw !== 'string' || !/^-?\d{1,20}$/.test(raw)) return undefined;
  const value = BigInt(raw);
  if (value < BigInt(bounds.min) || value > BigInt(bounds.max)) return undefined;
  return Number(value);
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

function isRealDay(y: number, m: number, d: number): boolean {
  const date = new Date(Date.UTC(y, m - 1, d));
  date.setUTCFullYear(y);
  return y >= 1 && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/**
 * What a date parameter accepts: `date` a calendar day (YYYY-MM-DD); `local` also a date-time
 * without zone (timestamp columns); `zoned` also a zone suffix (timestamptz columns).
 */
export type DateKind = 'date' | 'local' | 'zoned';

export function isCalendarDate(raw: unknown, kind: DateKind): raw is string {
  if (typeof raw !== 'string') return false;
  const m = (kind === 'date' ? DATE : DATE_TIME).exec(raw);
  if (!m || !isRealDay(Number(m[1]), Number(m[2]), Number(m[3]))) return false;
  if (m[7] !== undefined && kind !== 'zoned') return false;
  const zone = m[7] && m[7] !== 'Z' ? m[7].split(':').map(Number) : [0, 0];
  return (
    Number(m[4] ?? 0) < 24 &&
    Number(m[5] ?? 0) < 60 &&
    Number(m[6] ?? 0) < 60 &&
    Math.abs(zone[0]) < 16 &&
    zone[1] < 60
  );
}

/** Milliseconds since the epoch, reading a value without zone as UTC (only used to compare). */
function instant(value: string): number {
  const iso = value.replace(' ', 'T');
  if (iso.length === 10) return Date.parse(`${iso}T00:00:00Z`);
  return Date.parse(/(Z|[+-]\d{2}:\d{2})$/.test(iso) ? iso : `${iso}Z`);
}

/** `from` not after `to`, for any two values isCalendarDate accepted. */
export function isNotAfter(from: string, to: string): boolean {
  return instant(from) <= instant(to);
}

/** Loose on purpose (the blind index normalises case and spacing), but bounded and printable. */
export function isEmailLookup(raw: unknown): raw is string {
  return (
    typeof raw === 'string' && raw.length <= 320 && /^\s*[^@\s\p{Cc}]+@[^@\s\p{Cc}]+\s*$/u.test(raw)
  );
}

/** A value of a `numeric(12,2)` column: plain decimal, at most 10 + 2 digits (no 1e3, no ,). */
export function isMoney(raw: unknown): raw is string {
  return typeof raw === 'string' && /^-?\d{1,10}(?:\.\d{1,2})?$/.test(raw);
}

/** A text value to compare with: bounded, and no control character PostgreSQL would refuse. */
export function isFilterText(raw: unknown, maxLength: number): raw is string {
  return typeof raw === 'string' && raw.length <= maxLength && !/\p{Cc}/u.test(raw);
}
