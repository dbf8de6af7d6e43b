/**
 * Parsers for query-string values. Each returns the typed value or throws a 400 naming the
 * parameter; nothing unparsed ever reaches SQL (values are bind parameters regardless).
 */
import { invalidInput } from './domain-error';

const bad = (parameter: string, expected: string) =>
  invalidInput(`${parameter} must be ${expected}`, { parameter });

export function single(parameter: string, raw: unknown): string {
  if (typeof raw !== 'string') throw invalidInput(`${parameter} must be given once`, { parameter });
  return raw;
}

export function parseLimit(parameter: string, raw: string, max: number): number {
  const n = /^\d{1,7}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= max)) throw bad(parameter, `an integer between 1 and ${max}`);
  return n;
}

export function parseId(parameter: string, raw: string): number {
  const n = /^[1-9]\d{0,9}$/.test(raw) ? Number(raw) : NaN;
  if (!(n <= 2_147_483_647)) throw bad(parameter, 'a positive integer identifier');
  return n;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?)?$/;

function isCalendarDate(y: number, m: number, d: number): boolean {
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** A date (YYYY-MM-DD) or, for timestamp columns, a local date-time (YYYY-MM-DDTHH:MM[:SS]). */
export function parseDateBound(parameter: string, raw: string, withTime: boolean): string {
  const m = (withTime ? TIMESTAMP : DATE).exec(raw);
  const ok =
    m &&
    Number(m[1]) >= 1 &&
    isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3])) &&
    Number(m[4] ?? 0) < 24 &&
    Number(m[5] ?? 0) < 60 &&
    Number(m[6] ?? 0) < 60;
  if (!ok) {
    throw bad(
      parameter,
      withTime ? 'a date or date-time (YYYY-MM-DD[THH:MM[:SS]])' : 'a date (YYYY-MM-DD)',
    );
  }
  return raw;
}

export function parseEmail(parameter: string, raw: string): string {
  // Deliberately loose (the blind index normalises case and spacing), but bounded and printable.
  if (raw.length > 320 || !/^\s*[^@\s\p{Cc}]+@[^@\s\p{Cc}]+\s*$/u.test(raw)) {
    throw bad(parameter, 'an e-mail address');
  }
  return raw;
}
