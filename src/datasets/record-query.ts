/**
 * The query string of `GET /datasets/{dataset}/records`: one DTO class per dataset, derived from
 * the catalog (id and foreign-key filters, the date column, blind-indexed lookups) and validated
 * like every other query DTO (src/common/query/). Anything else is a 400 naming the parameter.
 */
import { Type } from '@nestjs/common';
import { IsOptional } from 'class-validator';
import { SQL_TYPES } from '../catalog/dataset-catalog';
import { DatasetName, DatasetSpec } from '../catalog/dataset.types';
import { recordVisibility } from '../catalog/record-visibility';
import { forbidden } from '../common/domain-error';
import {
  IsCalendarDate,
  IsCatalogInteger,
  IsColumnInteger,
  IsEmailLookup,
  IsKeysetCursor,
  IsNotAfter,
} from '../common/query/query-decorators';
import { validateQuery } from '../common/query/query-validation';
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

type RecordQueryParams = Record<string, unknown>;

/** The DTO class of a dataset's query string: the decorators are applied from the catalog. */
function recordQueryClass(spec: DatasetSpec): Type<RecordQueryParams> {
  const RecordQueryParams = class {
    static readonly queryScope = spec.name;
    [parameter: string]: unknown;
  };
  const decorate = (property: string, ...decorators: PropertyDecorator[]) =>
    decorators.forEach((d) => d(RecordQueryParams.prototype, property));
  const keyType = SQL_TYPES[spec.columns.find((c) => c.name === spec.primaryKey)!.type];
  decorate('limit', IsOptional(), IsColumnInteger('integer', { min: 1, max: MAX_PAGE_SIZE }));
  decorate(
    'cursor',
    IsOptional(),
    IsKeysetCursor(spec.name, keyType === 'bigint' ? 'bigint' : 'integer'),
  );
  const dateColumn = spec.columns.find((c) => c.name === spec.dateColumn);
  if (dateColumn) {
    const kind = dateColumn.type === 'timestamp' ? 'local' : 'date';
    decorate('from', IsOptional(), IsCalendarDate(kind), IsNotAfter('to'));
    decorate('to', IsOptional(), IsCalendarDate(kind));
  }
  for (const column of recordVisibility.idFilters(spec)) {
    decorate(column.name, IsOptional(), IsCatalogInteger(spec.name, column.name));
  }
  for (const column of recordVisibility.lookupColumns(spec)) {
    decorate(column.name, IsOptional(), IsEmailLookup());
  }
  return RecordQueryParams;
}

const queryClasses = new Map<DatasetName, Type<RecordQueryParams>>();

function queryClassOf(spec: DatasetSpec): Type<RecordQueryParams> {
  const known = queryClasses.get(spec.name);
  if (known) return known;
  const created = recordQueryClass(spec);
  queryClasses.set(spec.name, created);
  return created;
}

export function parseRecordQuery(
  spec: DatasetSpec,
  role: DatabaseRole,
  raw: Record<string, unknown>,
): RecordQuery {
  const params = validateQuery(queryClassOf(spec), raw);
  const query: RecordQuery = {
    limit: (params.limit as number | undefined) ?? DEFAULT_PAGE_SIZE,
    equals: [],
  };
  if (params.cursor !== undefined) query.after = params.cursor as number;
  if (params.from !== undefined) query.from = params.from as string;
  if (params.to !== undefined) query.to = params.to as string;
  for (const column of recordVisibility.idFilters(spec)) {
    const value = params[column.name];
    if (value !== undefined) query.equals.push({ column: column.name, value: value as number });
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
