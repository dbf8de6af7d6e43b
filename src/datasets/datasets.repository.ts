/**
 * SQL of the read API. Identifiers (view, columns) come only from the catalog; every value is a
 * bind parameter. The queries run inside the caller's RoleScopedTransactions transaction, so the
 * view's grants decide what the caller may read.
 */
import { Injectable } from '@nestjs/common';
import type { CustomTypesConfig, PoolClient } from 'pg';
import { types } from 'pg';
import { DatasetSpec } from '../catalog/dataset.types';
import { ident } from '../database/sql-identifier';
import { RecordQuery } from './record-query';

export type RecordRow = Record<string, unknown>;

const DATE_OID = 1082;
const TIMESTAMP_OID = 1114;

/**
 * Dates and timestamps are returned as PostgreSQL writes them (2024-02-29, 2024-02-29 10:00:00):
 * converting them to JS Dates would shift them by the server's time zone.
 */
const RAW_DATES: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === DATE_OID || oid === TIMESTAMP_OID
      ? (value: string) => value
      : types.getTypeParser(oid, format as 'text')) as CustomTypesConfig['getTypeParser'],
};

export interface RecordPage {
  items: RecordRow[];
  more: boolean;
}

export interface RecordSource {
  spec: DatasetSpec;
  view: string;
  columns: string[];
}

@Injectable()
export class DatasetsRepository {
  /** One page in primary-key order; fetches `limit + 1` rows to know whether more follow. */
  async page(client: PoolClient, source: RecordSource, query: RecordQuery): Promise<RecordPage> {
    const values: unknown[] = [];
    const bind = (value: unknown): string => {
      values.push(value);
      return `$${values.length}`;
    };
    const { spec } = source;
    const pk = ident(spec.primaryKey);
    const where: string[] = [];
    if (query.after !== undefined) where.push(`${pk} > ${bind(query.after)}`);
    for (const { column, value } of query.equals) where.push(`${ident(column)} = ${bind(value)}`);
    if (spec.dateColumn && query.from)
      where.push(`${ident(spec.dateColumn)} >= ${bind(query.from)}`);
    if (spec.dateColumn && query.to) where.push(`${ident(spec.dateColumn)} <= ${bind(query.to)}`);
    if (query.lookup)
      where.push(this.blindIndexMatch(spec, query.lookup.column, bind(query.lookup.value)));
    const sql = `SELECT ${source.columns.map(ident).join(', ')}
                   FROM ${ident(source.view)}
                  ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                  ORDER BY ${pk}
                  LIMIT ${bind(query.limit + 1)}`;
    const { rows } = await client.query<RecordRow>({ text: sql, values, types: RAW_DATES });
    return { items: rows.slice(0, query.limit), more: rows.length > query.limit };
  }

  async byId(client: PoolClient, source: RecordSource, id: number): Promise<RecordRow | undefined> {
    const sql = `SELECT ${source.columns.map(ident).join(', ')}
                   FROM ${ident(source.view)}
                  WHERE ${ident(source.spec.primaryKey)} = $1`;
    const result = await client.query<RecordRow>({ text: sql, values: [id], types: RAW_DATES });
    return result.rows[0];
  }

  /**
   * E-mail lookup without decrypting the table: the HMAC of the normalised value is compared with
   * the indexed `<column>_hash` of the base table (btree index scan), and only the matching rows
   * are decrypted by the view. Reading the base table needs SELECT on it, which only `admin` has;
   * `analyst` is refused earlier (a lookup would re-identify pseudonymised rows) and by the grants.
   */
  private blindIndexMatch(spec: DatasetSpec, column: string, param: string): string {
    const pk = ident(spec.primaryKey);
    return `${pk} IN (SELECT ${pk} FROM ${ident(spec.table)}
                       WHERE ${ident(`${column}_hash`)} = smartretail.blind_index(${param}))`;
  }
}
