/**
 * SQL text of the read API, built from the catalog only. Identifiers (view, columns) come from
 * the catalog; every value from the request is a bind parameter.
 */
import { VisibleColumn } from '../catalog/record-visibility';
import { DatasetSpec } from '../catalog/dataset.types';
import { ident } from '../database/sql-identifier';
import { RecordQuery } from './record-query';

export interface RecordSource {
  spec: DatasetSpec;
  view: string;
  columns: readonly VisibleColumn[];
}

export interface SqlStatement {
  text: string;
  values: unknown[];
}

/**
 * Dates, timestamps and money are sent as PostgreSQL writes them (2024-02-29,
 * 2024-02-29 10:00:00, 12.50): a JS Date would shift them by a time zone, a float would round.
 */
const AS_TEXT = new Set(['date', 'timestamp', 'money']);

export function selectList(columns: readonly VisibleColumn[]): string {
  return columns
    .map((c) =>
      AS_TEXT.has(c.type) ? `${ident(c.name)}::text AS ${ident(c.name)}` : ident(c.name),
    )
    .join(', ');
}

/**
 * One keyset page, serialised to JSON by PostgreSQL: the rows never become JS objects on the way
 * out, which keeps paging close to the raw decryption speed. Fetches `limit + 1` rows to know
 * whether another page follows, and returns the ids served (for the audit row).
 */
export function pageSql(source: RecordSource, query: RecordQuery): SqlStatement {
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
  if (spec.dateColumn && query.from) where.push(`${ident(spec.dateColumn)} >= ${bind(query.from)}`);
  if (spec.dateColumn && query.to) where.push(`${ident(spec.dateColumn)} <= ${bind(query.to)}`);
  if (query.lookup) {
    where.push(blindIndexMatch(spec, query.lookup.column, bind(query.lookup.value)));
  }
  const limit = bind(query.limit);
  const text = `
    SELECT coalesce(json_agg(page.row ORDER BY page.n) FILTER (WHERE page.n <= ${limit}), '[]')::text AS items,
           coalesce(array_agg(page.key ORDER BY page.n) FILTER (WHERE page.n <= ${limit}), '{}') AS ids,
           count(*) > ${limit} AS more
      FROM (SELECT to_json(t) AS row, t.${pk} AS key, row_number() OVER (ORDER BY t.${pk}) AS n
              FROM (SELECT ${selectList(source.columns)}
                      FROM ${ident(source.view)}
                     ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                     ORDER BY ${pk}
                     LIMIT ${limit}::int + 1) t) page`;
  return { text, values };
}

export function byIdSql(source: RecordSource, id: number): SqlStatement {
  return {
    text: `SELECT ${selectList(source.columns)}
             FROM ${ident(source.view)}
            WHERE ${ident(source.spec.primaryKey)} = $1`,
    values: [id],
  };
}

/**
 * E-mail lookup without decrypting the table: the HMAC of the normalised value is compared with
 * the indexed `<column>_hash` of the base table (btree index scan), and only the matching rows
 * are decrypted by the view. Reading the base table needs SELECT on it, which only `admin` has;
 * `analyst` is refused earlier (a lookup would re-identify pseudonymised rows) and by the grants.
 * `blind_index_for_lookup` first checks the transaction's keys against the database's key check
 * values, so a wrong BLIND_INDEX_KEY fails loudly instead of finding nothing; the scalar subquery
 * makes that check run once per query whatever plan is chosen.
 */
function blindIndexMatch(spec: DatasetSpec, column: string, param: string): string {
  const pk = ident(spec.primaryKey);
  return `${pk} IN (SELECT ${pk} FROM ${ident(spec.table)}
                     WHERE ${ident(`${column}_hash`)} = (SELECT smartretail.blind_index_for_lookup(${param})))`;
}
