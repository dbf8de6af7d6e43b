/**
 * The query string of `GET /datasets/{dataset}/records`, PostgREST-style: one DTO class per
 * dataset and role, derived from the catalog and record-visibility.ts, and validated like every
 * other query DTO (src/common/query/). Anything else is a 400 naming the parameter.
 *
 * - filters `col=op.value` (eq, neq, gt, gte, lt, lte, in) on the non-personal columns the
 *   role sees; the id filters' shorthand `magasin_id=3` means `eq.3`; `from`/`to` stay and mean
 *   `gte`/`lte` on the date column;
 * - `email=<address>` (or `eq.<address>`): the blind-index lookup, for roles that read e-mails
 *   in clear (403 for the others); every other personal column is refused (400);
 * - `order=<column>[.asc|.desc]` on the primary key, foreign keys or date column (indexed), the
 *   primary key breaking ties; `cursor` only from a page of the same order;
 * - `select=a,b` among the columns the role sees; `limit` 1-1000.
 */
import { Type } from '@nestjs/common';
import { IsOptional } from 'class-validator';
import { DatasetName, DatasetSpec } from '../catalog/dataset.types';
import { recordVisibility, VisibleColumn } from '../catalog/record-visibility';
import { forbidden } from '../common/domain-error';
import { ColumnFilter } from '../common/query/column-filter';
import { CursorOrder, decodeOrderedCursor, KeysetPosition } from '../common/keyset-cursor';
import {
  IsCalendarDate,
  IsColumnFilter,
  IsColumnInteger,
  IsNeverFilterable,
  IsNotAfter,
  IsParsedOnce,
} from '../common/query/query-decorators';
import {
  INTEGER_RANGES,
  isCalendarDate,
  isEmailLookup,
  parseBoundedInteger,
} from '../common/query/query-rules';
import { MAX_PAGE_SIZE } from '../common/query/page-size';
import { validateQuery } from '../common/query/query-validation';
import type { DatabaseRole } from '../auth/database-role';

/** Parameters that are not columns; no catalog column may be named like one. */
export const RESERVED_PARAMETERS = ['limit', 'cursor', 'order', 'select', 'from', 'to'] as const;

export interface ColumnCondition<T> {
  column: string;
  value: T;
}

export interface RecordOrder {
  column: string;
  descending: boolean;
  /** Whether the column may be NULL: the keyset then orders by coalesce(column, 'infinity'). */
  nullable: boolean;
  /** `<column>.<asc|desc>` as cursors carry it; undefined for the default (primary key asc). */
  label?: string;
}

export interface RecordQuery {
  /** Rows wanted; undefined: the format's default (a page of 100 in JSON, everything in CSV). */
  limit?: number;
  order: RecordOrder;
  /** Where the previous page ended, in `order`. */
  after?: KeysetPosition;
  filters: ColumnFilter[];
  /** Blind-index lookup: `column` is the personal column, `value` the clear value sought. */
  lookup?: ColumnCondition<string>;
  /** Columns to return, in this order; undefined: every column the role sees. */
  select?: string[];
}

const PERSONAL_REFUSAL =
  'is personal data and cannot be filtered (only e-mails, by exact lookup, for roles that read them in clear)';

function defaultOrder(spec: DatasetSpec): RecordOrder {
  return { column: spec.primaryKey, descending: false, nullable: false };
}

/** `order=col`, `col.asc` or `col.desc` on an orderable column. */
export function parseOrder(spec: DatasetSpec, raw: unknown): RecordOrder | { problem: string } {
  if (raw === undefined) return defaultOrder(spec);
  const orderable = recordVisibility.orderableColumns(spec);
  const match = typeof raw === 'string' ? /^([a-z_]+)(?:\.(asc|desc))?$/.exec(raw) : null;
  const column = match && orderable.find((c) => c.name === match[1]);
  if (!match || !column) {
    return {
      problem: `must be <column>.asc or <column>.desc with column one of ${orderable.map((c) => c.name).join(', ')} (indexed columns)`,
    };
  }
  const descending = match[2] === 'desc';
  if (column.name === spec.primaryKey && !descending) return defaultOrder(spec);
  return {
    column: column.name,
    descending,
    nullable: !column.required,
    label: `${column.name}.${descending ? 'desc' : 'asc'}`,
  };
}

/** How a cursor of `order` is checked: the order key must be a value of its column. */
function cursorOrder(spec: DatasetSpec, order: RecordOrder): CursorOrder {
  if (order.column === spec.primaryKey) return { label: order.label };
  const type = spec.columns.find((c) => c.name === order.column)!.type;
  const isKey = (key: string): boolean => {
    if (order.nullable && key === 'infinity') return true;
    if (type === 'integer') return parseBoundedInteger(key, INTEGER_RANGES.integer) !== undefined;
    return isCalendarDate(key, type === 'timestamp' ? 'local' : 'date');
  };
  return { label: order.label, isKey };
}

function parseSelect(
  visible: readonly VisibleColumn[],
  raw: string,
): string[] | { problem: string } {
  const names = raw.split(',');
  const known = visible.map((v) => v.name);
  const unknown = names.find((n) => !known.includes(n));
  if (unknown !== undefined) {
    return {
      problem: `names "${unknown.slice(0, 64)}", which is not a column your role sees; choose among ${known.join(', ')}`,
    };
  }
  if (new Set(names).size !== names.length) return { problem: 'names a column twice' };
  return names;
}

/** `email=<address>` or `email=eq.<address>`. */
function parseLookup(raw: string): string | { problem: string } {
  const value = raw.startsWith('eq.') ? raw.slice(3) : raw;
  return isEmailLookup(value)
    ? value
    : {
        problem:
          'must be an e-mail address (an exact lookup: email=<address> or email=eq.<address>)',
      };
}

type RecordQueryParams = Record<string, unknown>;

/** The DTO class of a dataset's query string for a role: the decorators come from the catalog. */
function recordQueryClass(spec: DatasetSpec, role: DatabaseRole): Type<RecordQueryParams> {
  const RecordQueryParams = class {
    static readonly queryScope = spec.name;
    [parameter: string]: unknown;
  };
  const decorate = (property: string, ...decorators: PropertyDecorator[]) =>
    decorators.forEach((d) => d(RecordQueryParams.prototype, property));
  const visible = recordVisibility.visibleColumns(spec, role);
  decorate('limit', IsOptional(), IsColumnInteger('integer', { min: 1, max: MAX_PAGE_SIZE }));
  decorate(
    'order',
    IsOptional(),
    IsParsedOnce('isRecordOrder', (raw) => parseOrder(spec, raw)),
  );
  decorate(
    'cursor',
    IsOptional(),
    IsParsedOnce('isRecordCursor', (raw, obj) => {
      const order = parseOrder(spec, obj.order);
      if ('problem' in order) return { problem: 'needs a valid order' };
      const position = decodeOrderedCursor(spec.name, raw, 'integer', cursorOrder(spec, order));
      if (position === 'otherOrder') {
        return { problem: `comes from a page in another order: pass the order it came with` };
      }
      return position ?? { problem: `is not a cursor of this ${spec.name} listing` };
    }),
  );
  decorate(
    'select',
    IsOptional(),
    IsParsedOnce('isColumnSelection', (raw) => parseSelect(visible, raw)),
  );
  const dateColumn = spec.columns.find((c) => c.name === spec.dateColumn);
  if (dateColumn) {
    const kind = dateColumn.type === 'timestamp' ? 'local' : 'date';
    decorate('from', IsOptional(), IsCalendarDate(kind), IsNotAfter('to'));
    decorate('to', IsOptional(), IsCalendarDate(kind));
  }
  const names = new Set([...spec.columns.map((c) => c.name), ...visible.map((v) => v.name)]);
  for (const name of names) {
    if ((RESERVED_PARAMETERS as readonly string[]).includes(name)) {
      throw new Error(`${spec.name}.${name} is named like a query parameter`);
    }
    const column = spec.columns.find((c) => c.name === name);
    const seen = visible.find((v) => v.name === name);
    if (seen && !seen.personal) {
      decorate(name, IsOptional(), IsColumnFilter({ ...seen, min: column?.min }));
    } else if (column?.blindIndex) {
      decorate(name, IsOptional(), IsParsedOnce('isEmailLookup', parseLookup));
    } else {
      decorate(name, IsOptional(), IsNeverFilterable(PERSONAL_REFUSAL));
    }
  }
  return RecordQueryParams;
}

/** The query string of one record (`/records/{id}`): only `select`, validated as the list's. */
function singleRecordQueryClass(spec: DatasetSpec, role: DatabaseRole): Type<RecordQueryParams> {
  const SingleRecordParams = class {
    static readonly queryScope = `one ${spec.name} record`;
    [parameter: string]: unknown;
  };
  const visible = recordVisibility.visibleColumns(spec, role);
  IsOptional()(SingleRecordParams.prototype, 'select');
  IsParsedOnce('isColumnSelection', (raw) => parseSelect(visible, raw))(
    SingleRecordParams.prototype,
    'select',
  );
  return SingleRecordParams;
}

type QueryClassKey = `${'list' | 'one'}:${DatasetName}:${DatabaseRole}`;
const queryClasses = new Map<QueryClassKey, Type<RecordQueryParams>>();

function queryClassOf(
  spec: DatasetSpec,
  role: DatabaseRole,
  route: 'list' | 'one' = 'list',
): Type<RecordQueryParams> {
  const key: QueryClassKey = `${route}:${spec.name}:${role}`;
  const known = queryClasses.get(key);
  if (known) return known;
  const created =
    route === 'list' ? recordQueryClass(spec, role) : singleRecordQueryClass(spec, role);
  queryClasses.set(key, created);
  return created;
}

/** The columns `select` asks of one record, after the same validation as the list's. */
export function parseSingleRecordQuery(
  spec: DatasetSpec,
  role: DatabaseRole,
  raw: Record<string, unknown>,
): { select?: string[] } {
  const params = validateQuery(queryClassOf(spec, role, 'one'), raw);
  return params.select === undefined ? {} : { select: params.select as string[] };
}

/** Every parameter some role may use on `spec`, in documentation order (OpenAPI lists these). */
export function acceptedParameters(spec: DatasetSpec): string[] {
  const columns = new Set(
    recordVisibility
      .readers()
      .flatMap((role) => recordVisibility.filterableColumns(spec, role).map((c) => c.name)),
  );
  return [
    ...RESERVED_PARAMETERS.filter((p) => spec.dateColumn || (p !== 'from' && p !== 'to')),
    ...spec.columns.filter((c) => columns.has(c.name)).map((c) => c.name),
    ...recordVisibility.lookupColumns(spec).map((c) => c.name),
  ];
}

/** The parameters `role` may use on `spec` (lookups only where it sees the value in clear). */
export function usableParameters(spec: DatasetSpec, role: DatabaseRole): string[] {
  if (!recordVisibility.canReadRecords(role)) return [];
  return [
    'limit',
    'cursor',
    'order',
    'select',
    ...(spec.dateColumn ? ['from', 'to'] : []),
    ...recordVisibility.filterableColumns(spec, role).map((c) => c.name),
    ...recordVisibility
      .lookupColumns(spec)
      .filter((c) => recordVisibility.mayLookUp(spec, role, c))
      .map((c) => c.name),
  ];
}

export function parseRecordQuery(
  spec: DatasetSpec,
  role: DatabaseRole,
  raw: Record<string, unknown>,
): RecordQuery {
  const params = validateQuery(queryClassOf(spec, role), raw);
  const order = (params.order as RecordOrder | undefined) ?? defaultOrder(spec);
  const query: RecordQuery = { order, filters: [] };
  if (params.limit !== undefined) query.limit = params.limit as number;
  if (params.cursor !== undefined) query.after = params.cursor as KeysetPosition;
  if (params.select !== undefined) query.select = params.select as string[];
  if (spec.dateColumn && params.from !== undefined) {
    query.filters.push({
      column: spec.dateColumn,
      operator: 'gte',
      values: [params.from as string],
    });
  }
  if (spec.dateColumn && params.to !== undefined) {
    query.filters.push({ column: spec.dateColumn, operator: 'lte', values: [params.to as string] });
  }
  for (const column of recordVisibility.filterableColumns(spec, role)) {
    const filters = params[column.name] as ColumnFilter[] | undefined;
    if (filters) query.filters.push(...filters);
  }
  for (const column of recordVisibility.lookupColumns(spec)) {
    const value = params[column.name];
    if (value === undefined) continue;
    if (!recordVisibility.mayLookUp(spec, role, column)) {
      throw forbidden(`your role may not look ${spec.name} up by ${column.name}`);
    }
    query.lookup = { column: column.name, value: value as string };
  }
  return query;
}
