/**
 * PostgREST's filter grammar on one column: `col=op.value`, `col=in.(a,b,c)`, each value typed
 * by the column and checked by the rules of query-rules.ts. A problem is returned as the end of
 * a sentence that starts with the parameter's name, and never repeats the value it refuses.
 */
import { ColumnType } from '../../catalog/dataset.types';
import { TEXT_MAX_LENGTH } from '../../catalog/dataset-catalog';
import {
  INTEGER_RANGES,
  isCalendarDate,
  isFilterText,
  isMoney,
  parseBoundedInteger,
} from './query-rules';

export const FILTER_OPERATORS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in'] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

/** At most this many values in one `in.(...)`, and filters on one column. */
export const MAX_IN_VALUES = 100;
export const MAX_FILTERS_PER_COLUMN = 10;

export type FilterValue = number | string;

export interface ColumnFilter {
  column: string;
  operator: FilterOperator;
  /** One value, except for `in`. */
  values: FilterValue[];
}

export interface FilterableColumn {
  name: string;
  type: ColumnType;
  /** Lower bound of the bare shorthand `col=3` (kept from the id filters): the catalog's min. */
  min?: number;
}

const OPERATOR_LIST = 'eq, neq, gt, gte, lt, lte or in';

const EXPECTED: Record<ColumnType, string> = {
  integer: `an integer from ${INTEGER_RANGES.integer.min} to ${INTEGER_RANGES.integer.max}`,
  // Worded so that "... after gt." reads once: no "after" of its own.
  money: 'a decimal amount of at most 10 integer digits and 2 decimals',
  date: 'a date (YYYY-MM-DD)',
  timestamp: 'a date or date-time (YYYY-MM-DD[THH:MM[:SS]])',
  text: `a text of at most ${TEXT_MAX_LENGTH} characters without control characters`,
};

/** What an integer column's `in.(...)` items and `col=3` shorthand accept: its catalog min up. */
const equalityBounds = (column: FilterableColumn) => ({
  min: column.min ?? INTEGER_RANGES.integer.min,
  max: INTEGER_RANGES.integer.max,
});

/** What a value must be, as messages say it: for `in` items, with the column's own bounds. */
function expected(column: FilterableColumn, operator: FilterOperator): string {
  if (column.type !== 'integer' || operator !== 'in') return EXPECTED[column.type];
  const { min, max } = equalityBounds(column);
  return `an integer from ${min} to ${max}`;
}

function parseValue(
  type: ColumnType,
  raw: string,
  bounds: { min: number; max: number } = INTEGER_RANGES.integer,
): FilterValue | undefined {
  switch (type) {
    case 'integer':
      return parseBoundedInteger(raw, bounds);
    case 'money':
      return isMoney(raw) ? raw : undefined;
    case 'date':
      return isCalendarDate(raw, 'date') ? raw : undefined;
    case 'timestamp':
      return isCalendarDate(raw, 'local') ? raw : undefined;
    case 'text':
      return isFilterText(raw, TEXT_MAX_LENGTH) ? raw : undefined;
  }
}

/**
 * The items of `(a,b,"c,d")`: commas separate, double quotes protect commas and parentheses,
 * and a backslash escapes a quote or a backslash inside them (as PostgREST reads them).
 */
export function splitInList(raw: string): string[] | undefined {
  if (!raw.startsWith('(') || !raw.endsWith(')')) return undefined;
  const body = raw.slice(1, -1);
  if (body === '') return [];
  const items: string[] = [];
  let current = '';
  let quoted = false;
  let wasQuoted = false;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (quoted) {
      if (ch === '\\' && i + 1 < body.length) current += body[++i];
      else if (ch === '"') quoted = false;
      else current += ch;
    } else if (ch === '"' && current === '' && !wasQuoted) {
      quoted = wasQuoted = true;
    } else if (ch === ',') {
      items.push(current);
      current = '';
      wasQuoted = false;
    } else if (wasQuoted) {
      return undefined; // text after a closing quote: `"a"b`
    } else {
      current += ch;
    }
  }
  if (quoted) return undefined;
  items.push(current);
  return items;
}

/** One filter, or the problem with it. */
export function parseColumnFilter(
  column: FilterableColumn,
  raw: unknown,
): ColumnFilter | { problem: string } {
  if (typeof raw !== 'string') return { problem: `must be <operator>.<value>` };
  const dot = raw.indexOf('.');
  const prefix = dot < 0 ? raw : raw.slice(0, dot);
  if (dot < 0 || !/^[a-z]+$/.test(prefix)) {
    // The id filters' shorthand `magasin_id=3` stays: an integer holds no dot, so it is unambiguous.
    if (column.type === 'integer') {
      const bounds = equalityBounds(column);
      const value = parseBoundedInteger(raw, bounds);
      if (value !== undefined) return { column: column.name, operator: 'eq', values: [value] };
      return {
        problem: `must be an integer from ${bounds.min} to ${bounds.max}, or <operator>.<value> with operator ${OPERATOR_LIST}`,
      };
    }
    return { problem: `must be <operator>.<value> with operator ${OPERATOR_LIST}` };
  }
  const operator = prefix as FilterOperator;
  if (!FILTER_OPERATORS.includes(operator)) {
    return { problem: `has an unknown operator "${prefix.slice(0, 16)}": use ${OPERATOR_LIST}` };
  }
  const rest = raw.slice(dot + 1);
  if (operator !== 'in') {
    const value = parseValue(column.type, rest);
    if (value === undefined)
      return { problem: `needs ${EXPECTED[column.type]} after ${operator}.` };
    return { column: column.name, operator, values: [value] };
  }
  const items = splitInList(rest);
  if (!items || items.length === 0 || items.length > MAX_IN_VALUES) {
    return {
      problem: `needs in.(v1,v2,...) with 1 to ${MAX_IN_VALUES} values, each ${expected(column, operator)} (double-quote values holding commas)`,
    };
  }
  const values: FilterValue[] = [];
  for (const item of items) {
    const value = parseValue(column.type, item, equalityBounds(column));
    if (value === undefined)
      return { problem: `needs in.(...) values that are each ${expected(column, operator)}` };
    values.push(value);
  }
  return { column: column.name, operator, values };
}
