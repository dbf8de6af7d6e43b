/**
 * SQL text of the read API, built from the catalog only. Identifiers (view, columns) come from
 * the catalog; every value from the request is a bind parameter, cast to its column's type.
 * Columns are qualified (`r.col`) everywhere but in the output list: dates leave as text under
 * their own name, and an unqualified ORDER BY would sort that text instead of using the index.
 */
import { SQL_TYPES } from '../catalog/dataset-catalog';
import { DatasetSpec } from '../catalog/dataset.types';
import { VisibleColumn } from '../catalog/record-visibility';
import { ColumnFilter, FilterOperator } from '../common/query/column-filter';
import { ident } from '../database/sql-identifier';
import { DEFAULT_PAGE_SIZE } from '../common/query/page-size';
import { RecordOrder, RecordQuery } from './record-query';

export interface RecordSource {
  spec: DatasetSpec;
  view: string;
  /** The columns returned, in order: what the role sees, or its `select`. */
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

const col = (name: string): string => `r.${ident(name)}`;

export function selectList(columns: readonly VisibleColumn[]): string {
  return columns
    .map((c) => (AS_TEXT.has(c.type) ? `${col(c.name)}::text AS ${ident(c.name)}` : col(c.name)))
    .join(', ');
}

const COMPARISONS: Record<Exclude<FilterOperator, 'in'>, string> = {
  eq: '=',
  neq: '<>',
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
};

/** The rows a query designates, before any page is cut: view, conditions, order. */
class RecordSelection {
  readonly values: unknown[] = [];
  private readonly filters: string[] = [];
  private readonly keyset: string | undefined;
  readonly orderBy: string;

  constructor(
    readonly source: RecordSource,
    readonly query: RecordQuery,
  ) {
    const { spec } = source;
    for (const filter of query.filters) this.filters.push(this.filterSql(filter));
    if (query.lookup) {
      this.filters.push(blindIndexMatch(spec, query.lookup.column, this.bind(query.lookup.value)));
    }
    const pk = col(spec.primaryKey);
    const direction = query.order.descending ? 'DESC' : 'ASC';
    const key = orderKey(spec, query.order);
    this.orderBy = key ? `${key} ${direction}, ${pk} ${direction}` : `${pk} ${direction}`;
    const after = query.after;
    if (after) {
      const comparison = query.order.descending ? '<' : '>';
      if (key) {
        // The bound on the date alone is what its index scans as a range (see migration
        // 1795564943000-IndexDatesWithoutTheirKey); the row comparison then cuts inside that date.
        const at = `${this.bind(after.key)}::${this.sqlType(query.order.column)}`;
        this.keyset = `${key} ${comparison}= ${at} AND (${key}, ${pk}) ${comparison} (${at}, ${this.bind(after.id)})`;
      } else {
        this.keyset = `${pk} ${comparison} ${this.bind(after.id)}`;
      }
    }
  }

  bind(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /** `FROM view r WHERE ...`, with or without the cursor's condition. */
  from(withKeyset = true): string {
    const where = withKeyset && this.keyset ? [...this.filters, this.keyset] : this.filters;
    return `FROM ${ident(this.source.view)} r ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`;
  }

  /** Rows before the cursor (0 without one): the page's offset for Content-Range. */
  beforeKeyset(): string {
    return this.keyset ? `count(*) FILTER (WHERE NOT (${this.keyset}))` : '0';
  }

  /** The order key as text, for the next cursor; NULL when ordering by the primary key. */
  orderKeyText(): string {
    const key = orderKey(this.source.spec, this.query.order);
    return key ? `${key}::text` : 'NULL::text';
  }

  limit(extra = 0): string {
    return this.query.limit === undefined ? '' : `LIMIT ${this.bind(this.query.limit + extra)}`;
  }

  private sqlType(column: string): string {
    return SQL_TYPES[this.source.spec.columns.find((c) => c.name === column)!.type];
  }

  private filterSql(filter: ColumnFilter): string {
    const type = this.sqlType(filter.column);
    if (filter.operator === 'in') {
      return `${col(filter.column)} = ANY(${this.bind(filter.values)}::${type}[])`;
    }
    return `${col(filter.column)} ${COMPARISONS[filter.operator]} ${this.bind(filter.values[0])}::${type}`;
  }
}

/**
 * The keyset's order key; undefined when it is the primary key. A nullable column is ordered by
 * coalesce(column, 'infinity'), the expression its index is built on (migration
 * 1795564930000-IndexDateColumnsForKeysetOrder, 1795564943000-IndexDatesWithoutTheirKey): a keyset
 * key must never be NULL.
 */
function orderKey(spec: DatasetSpec, order: RecordOrder): string | undefined {
  if (order.column === spec.primaryKey) return undefined;
  if (!order.nullable) return col(order.column);
  const type = SQL_TYPES[spec.columns.find((c) => c.name === order.column)!.type];
  return `coalesce(${col(order.column)}, 'infinity'::${type})`;
}

/**
 * One keyset page, serialised to JSON by PostgreSQL: the rows never become JS objects on the way
 * out, which keeps paging close to the raw decryption speed. Fetches `limit + 1` rows to know
 * whether another page follows, and returns the ids served (for the audit row) and the last
 * row's order key (for the next cursor).
 */
export function pageSql(source: RecordSource, asked: RecordQuery): SqlStatement {
  const query = { ...asked, limit: asked.limit ?? DEFAULT_PAGE_SIZE };
  const s = new RecordSelection(source, query);
  const pk = col(source.spec.primaryKey);
  const row = source.columns.map((c) => `'${c.name}', t.${ident(c.name)}`).join(', ');
  const inner = `SELECT ${selectList(source.columns)}, ${pk} AS "__id", ${s.orderKeyText()} AS "__key",
                        row_number() OVER (ORDER BY ${s.orderBy}) AS "__n"
                   ${s.from()}
                  ORDER BY ${s.orderBy}
                  ${s.limit(1)}`;
  const limit = s.bind(query.limit);
  const text = `
    SELECT coalesce(json_agg(json_build_object(${row}) ORDER BY t."__n") FILTER (WHERE t."__n" <= ${limit}), '[]')::text AS "itemsJson",
           coalesce(array_agg(t."__id" ORDER BY t."__n") FILTER (WHERE t."__n" <= ${limit}), '{}') AS ids,
           (array_agg(t."__key" ORDER BY t."__n" DESC) FILTER (WHERE t."__n" <= ${limit}))[1] AS "lastKey",
           count(*) > ${limit} AS more
      FROM (${inner}) t`;
  return { text, values: s.values };
}

/** Every row of the query (or its page), in order, for streaming through a cursor. */
export function rowsSql(source: RecordSource, query: RecordQuery): SqlStatement {
  const s = new RecordSelection(source, query);
  return {
    text: `SELECT ${selectList(source.columns)} ${s.from()} ORDER BY ${s.orderBy} ${s.limit()}`,
    values: s.values,
  };
}

/** The primary keys rowsSql will return, in the same snapshot: what the audit row names. */
export function idsSql(source: RecordSource, query: RecordQuery): SqlStatement {
  const s = new RecordSelection(source, query);
  const pk = col(source.spec.primaryKey);
  return {
    text: `SELECT ARRAY(SELECT ${pk} ${s.from()} ORDER BY ${s.orderBy} ${s.limit()}) AS ids`,
    values: s.values,
  };
}

/**
 * The primary keys of `count` rows of the query from position `offset` (cursor included), read
 * without opening any personal value (filters and order are on clear columns): the rows a failed
 * page or CSV batch covered, where a value that does not open is then looked for.
 */
export function windowIdsSql(
  source: RecordSource,
  query: RecordQuery,
  offset: number,
  count: number,
): SqlStatement {
  const s = new RecordSelection(source, query);
  const pk = col(source.spec.primaryKey);
  const from = s.from();
  return {
    text: `SELECT ARRAY(SELECT ${pk} ${from} ORDER BY ${s.orderBy} LIMIT ${s.bind(count)} OFFSET ${s.bind(offset)}) AS ids`,
    values: s.values,
  };
}

/** Rows matching the filters (cursor aside), and how many come before the cursor. */
export function exactCountSql(source: RecordSource, query: RecordQuery): SqlStatement {
  const s = new RecordSelection(source, query);
  return {
    text: `SELECT count(*)::float8 AS total, ${s.beforeKeyset()}::float8 AS before ${s.from(false)}`,
    values: s.values,
  };
}

/** The planner's estimate of the rows matching the filters, with or without the cursor's condition. */
export function plannedCountSql(
  source: RecordSource,
  query: RecordQuery,
  part: 'all' | 'fromCursor',
): SqlStatement {
  const s = new RecordSelection(source, query);
  return {
    text: `EXPLAIN (FORMAT JSON) SELECT 1 ${s.from(part === 'fromCursor')}`,
    values: s.values,
  };
}

export function byIdSql(source: RecordSource, id: number): SqlStatement {
  return {
    text: `SELECT ${selectList(source.columns)}
             FROM ${ident(source.view)} r
            WHERE ${col(source.spec.primaryKey)} = $1`,
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
  return `${col(spec.primaryKey)} IN (SELECT ${pk} FROM ${ident(spec.table)}
                     WHERE ${ident(`${column}_hash`)} = (SELECT smartretail.blind_index_for_lookup(${param})))`;
}
