/**
 * Turns the query string of `GET /datasets/{dataset}/records` into a typed RecordQuery. The
 * accepted parameters are derived from the catalog (id and foreign-key filters, the date column,
 * blind-indexed lookups); anything else is a 400 naming the parameter.
 */
import { DatasetSpec } from '../catalog/dataset.types';
import { recordVisibility } from '../catalog/record-visibility';
import { forbidden, invalidInput } from '../common/domain-error';
import { decodeCursor } from '../common/keyset-cursor';
import { parseDateBound, parseEmail, parseId, parseLimit, single } from '../common/query-values';
import type { DatabaseRole } from '../database/role-scoped-transactions';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

export interface ColumnCondition<T> {
  column: string;
  value: T;
}

export interface RecordQuery {
  limit: number;
  /** Primary key of the last row of the previous page. */
  after?: number;
  equals: ColumnCondition<number>[];
  from?: string;
  to?: string;
  /** Blind-index lookup: `column` is the personal column, `value` the clear value sought. */
  lookup?: ColumnCondition<string>;
}

/** Every query parameter a dataset accepts, in documentation order. */
export function acceptedParameters(spec: DatasetSpec): string[] {
  return [
    'limit',
    'cursor',
    ...(spec.dateColumn ? ['from', 'to'] : []),
    ...recordVisibility.idFilters(spec).map((c) => c.name),
    ...recordVisibility.lookupColumns(spec).map((c) => c.name),
  ];
}

/** The parameters `role` may actually use (lookups only where it sees the value in clear). */
export function usableParameters(spec: DatasetSpec, role: DatabaseRole): string[] {
  if (!recordVisibility.canReadRecords(role)) return [];
  const refused = recordVisibility
    .lookupColumns(spec)
    .filter((c) => !recordVisibility.mayLookUp(spec, role, c))
    .map((c) => c.name);
  return acceptedParameters(spec).filter((p) => !refused.includes(p));
}

export function parseRecordQuery(
  spec: DatasetSpec,
  role: DatabaseRole,
  raw: Record<string, unknown>,
): RecordQuery {
  const accepted = acceptedParameters(spec);
  const unknown = Object.keys(raw).find((k) => !accepted.includes(k));
  if (unknown !== undefined) {
    throw invalidInput(
      `unknown query parameter "${unknown.slice(0, 64)}" for ${spec.name}; accepted: ${accepted.join(', ')}`,
      { parameter: unknown.slice(0, 64) },
    );
  }
  const get = (name: string): string | undefined =>
    raw[name] === undefined ? undefined : single(name, raw[name]);
  const query: RecordQuery = { limit: DEFAULT_PAGE_SIZE, equals: [] };
  const limit = get('limit');
  if (limit !== undefined) query.limit = parseLimit('limit', limit, MAX_PAGE_SIZE);
  const cursor = get('cursor');
  if (cursor !== undefined) query.after = decodeCursor(spec.name, cursor);
  for (const column of recordVisibility.idFilters(spec)) {
    const value = get(column.name);
    if (value !== undefined)
      query.equals.push({ column: column.name, value: parseId(column.name, value) });
  }
  parseDateRange(spec, query, get);
  for (const column of recordVisibility.lookupColumns(spec)) {
    const value = get(column.name);
    if (value === undefined) continue;
    if (!recordVisibility.mayLookUp(spec, role, column)) {
      throw forbidden(`your role may not look ${spec.name} up by ${column.name}`);
    }
    query.lookup = { column: column.name, value: parseEmail(column.name, value) };
  }
  return query;
}

function parseDateRange(
  spec: DatasetSpec,
  query: RecordQuery,
  get: (name: string) => string | undefined,
): void {
  const column = spec.columns.find((c) => c.name === spec.dateColumn);
  if (!column) return;
  const withTime = column.type === 'timestamp';
  const from = get('from');
  const to = get('to');
  if (from !== undefined) query.from = parseDateBound('from', from, withTime);
  if (to !== undefined) query.to = parseDateBound('to', to, withTime);
  if (query.from && query.to && query.from.replace('T', ' ') > query.to.replace('T', ' ')) {
    throw invalidInput('from must not be after to', { parameter: 'from' });
  }
}
