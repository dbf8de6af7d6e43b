/**
 * Validation rules of catalog columns, each declared once with both of its forms: the Node
 * predicate the importer applies to a parsed (canonical) value, and the SQL the protection
 * trigger applies to the same clear value before encrypting it (ciphertext defeats CHECK
 * constraints). The importer and the trigger therefore cannot disagree on what a valid value is.
 *
 * Messages never contain the value: they end up in logs and rejection reports.
 */
import type { ColumnSpec, PlausibleDates } from './dataset.types';
import { INVISIBLE_RANGES, jsClass, SPACE_RANGES, sqlClass } from './email-characters';

export type RuleName = 'required' | 'allowed' | 'min' | 'iso-date' | 'plausible-date' | 'email';

export interface ValueRule {
  readonly name: RuleName;
  /** Node: why the canonical value breaks the rule, or undefined when it keeps it. */
  violation(value: string): string | undefined;
  /** SQL: a boolean expression, true when the clear text `expr` breaks the rule (NULL passes). */
  sqlViolation(expr: string): string;
  /** What the trigger raises, prefixed by `table.column`; never the value. */
  readonly sqlMessage: string;
  readonly sqlState: string;
}

const CHECK_VIOLATION = '23514';
const INVALID_DATETIME_FORMAT = '22007';

/** A SQL string literal (standard_conforming_strings is on since PostgreSQL 9.1). */
export const sqlLiteral = (text: string): string => `'${text.replace(/'/g, "''")}'`;

export const requiredRule: ValueRule = {
  name: 'required',
  violation: (value) => (value.trim() === '' ? 'required value is missing' : undefined),
  // NULL is the table's NOT NULL constraint's business; here, a value of spaces only.
  sqlViolation: (expr) => `pg_catalog.btrim(${expr}) = ''`,
  sqlMessage: 'must not be empty',
  sqlState: CHECK_VIOLATION,
};

export function allowedRule(values: readonly string[]): ValueRule {
  const list = values.join(', ');
  return {
    name: 'allowed',
    violation: (value) => (values.includes(value) ? undefined : `must be one of ${list}`),
    sqlViolation: (expr) => `${expr} NOT IN (${values.map(sqlLiteral).join(', ')})`,
    sqlMessage: `must be one of ${list}`,
    sqlState: CHECK_VIOLATION,
  };
}

export function minRule(min: number): ValueRule {
  return {
    name: 'min',
    violation: (value) => (Number(value) < min ? `must be >= ${min}` : undefined),
    sqlViolation: (expr) => `${expr}::numeric < ${min}`,
    sqlMessage: `must be >= ${min}`,
    sqlState: CHECK_VIOLATION,
  };
}

const ISO_DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar date written YYYY-MM-DD (the canonical form the importer produces). */
export const isoDateRule: ValueRule = {
  name: 'iso-date',
  violation: (value) => {
    const m = ISO_DATE_RE.exec(value);
    const [y, mo, d] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
    const valid =
      y >= 1 && mo >= 1 && mo <= 12 && d >= 1 && d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
    return valid ? undefined : 'not a valid date (expected YYYY-MM-DD)';
  },
  // is_iso_date validates without casting, so no cast error can echo a birth date.
  sqlViolation: (expr) => `NOT smartretail.is_iso_date(${expr})`,
  sqlMessage: 'must be a valid date written YYYY-MM-DD',
  sqlState: INVALID_DATETIME_FORMAT,
};

/** Today plus `days`, as YYYY-MM-DD in UTC (a day ahead of the rule covers any time zone). */
const dayFromToday = (days: number, now = new Date()): string =>
  new Date(now.getTime() + days * 86_400_000).toISOString().slice(0, 10);

function describePlausible({ notBefore, daysAhead }: PlausibleDates): string {
  const after =
    daysAhead === undefined
      ? undefined
      : daysAhead === 0
        ? 'in the future'
        : `more than ${daysAhead} day(s) ahead`;
  return [notBefore && `before ${notBefore}`, after].filter(Boolean).join(' or ');
}

/**
 * A real date, not a placeholder: 2999-01-01 as a birth date or 9999-12-31 as a purchase are
 * typing errors or "unknown" markers, and a purchase in the far future keeps its client out of
 * inactivity erasure for ever. Runs after isoDateRule, so the SQL cast cannot fail (nor echo).
 */
export function plausibleDateRule(bounds: PlausibleDates): ValueRule {
  const { notBefore, daysAhead } = bounds;
  const message = `implausible date: must not be ${describePlausible(bounds)}`;
  return {
    name: 'plausible-date',
    violation: (value) => {
      if (notBefore !== undefined && value < notBefore) return message;
      if (daysAhead !== undefined && value > dayFromToday(daysAhead)) return message;
      return undefined;
    },
    sqlViolation: (expr) =>
      `(${[
        ...(notBefore !== undefined ? [`${expr}::date < ${sqlLiteral(notBefore)}::date`] : []),
        ...(daysAhead !== undefined
          ? [`${expr}::date > (pg_catalog.now() AT TIME ZONE 'UTC')::date + ${daysAhead}`]
          : []),
      ].join(' OR ')})`,
    sqlMessage: `must not be ${describePlausible(bounds)}`,
    sqlState: CHECK_VIOLATION,
  };
}

const INVISIBLE_RE = new RegExp(`[${jsClass(INVISIBLE_RANGES)}]`, 'u');
const EMAIL_RE = new RegExp(`^[^@${jsClass(SPACE_RANGES)}]+@[^@${jsClass(SPACE_RANGES)}]+$`, 'u');
/** Spaces and invisible characters in one class, written once in the trigger. */
const SQL_FORBIDDEN = `[${sqlClass(SPACE_RANGES)}${sqlClass(INVISIBLE_RANGES)}]`;

/** One '@' between two non-empty parts, no space and no invisible character anywhere. */
export const emailRule: ValueRule = {
  name: 'email',
  violation: (value) => {
    if (INVISIBLE_RE.test(value))
      return 'not an e-mail address: it holds an invisible or control character';
    return EMAIL_RE.test(value) ? undefined : 'not an e-mail address';
  },
  sqlViolation: (expr) => `(${expr} !~ '^[^@]+@[^@]+$' OR ${expr} ~ ${sqlLiteral(SQL_FORBIDDEN)})`,
  sqlMessage: 'must be an e-mail address',
  sqlState: CHECK_VIOLATION,
};

const rulesByColumn = new WeakMap<ColumnSpec, readonly ValueRule[]>();

/**
 * The rules a column's values obey, derived from its catalog declaration. Type rules other than
 * the date's are the parsers' business (Node) and the column type's (SQL).
 */
export function valueRules(column: ColumnSpec): readonly ValueRule[] {
  let rules = rulesByColumn.get(column);
  if (!rules) {
    rules = [
      ...(column.required ? [requiredRule] : []),
      ...(column.type === 'date' ? [isoDateRule] : []),
      ...(column.type === 'date' && column.plausible ? [plausibleDateRule(column.plausible)] : []),
      ...(column.min !== undefined ? [minRule(column.min)] : []),
      ...(column.allowed ? [allowedRule(column.allowed)] : []),
      ...(column.shape === 'email' ? [emailRule] : []),
    ];
    rulesByColumn.set(column, rules);
  }
  return rules;
}

/** The first rule the canonical value breaks, as Node reports it. */
export function ruleViolation(column: ColumnSpec, value: string): string | undefined {
  for (const rule of valueRules(column)) {
    const reason = rule.violation(value);
    if (reason) return reason;
  }
  return undefined;
}
