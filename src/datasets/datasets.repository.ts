/**
 * Runs the read API's SQL (record-sql.ts) inside the caller's RoleScopedTransactions
 * transaction, so the view's grants decide what the caller may read.
 */
import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { RecordQuery } from './record-query';
import {
  byIdSql,
  exactCountSql,
  idsSql,
  pageSql,
  plannedCountSql,
  RecordSource,
  rowsSql,
  windowIdsSql,
} from './record-sql';

export type RecordRow = Record<string, unknown>;

export interface RecordPage {
  /** The page's rows as a JSON array, serialised by PostgreSQL. */
  itemsJson: string;
  /** Primary keys of the rows in the page, in order. */
  ids: number[];
  /** The last row's order key as text (null when the order is the primary key's). */
  lastKey: string | null;
  more: boolean;
}

/** PostgREST's count preferences: counted, the planner's estimate, or exact when small. */
export type CountMode = 'exact' | 'planned' | 'estimated';

export interface RecordCount {
  /** Rows matching the filters, whatever the cursor. */
  total: number;
  /** Of those, rows before the cursor: the offset of this page. */
  before: number;
  mode: CountMode;
  /** Counted rather than estimated by the planner. */
  exact: boolean;
}

/** `estimated` counts exactly below this many rows, as PostgREST does under its max-rows. */
export const EXACT_COUNT_BELOW = 10_000;

/** Rows per FETCH when streaming: big enough to amortise round trips, small in memory. */
export const STREAM_BATCH_ROWS = 1000;

@Injectable()
export class DatasetsRepository {
  async page(client: PoolClient, source: RecordSource, query: RecordQuery): Promise<RecordPage> {
    const { rows } = await client.query<RecordPage>(pageSql(source, query));
    return rows[0];
  }

  async byId(client: PoolClient, source: RecordSource, id: number): Promise<RecordRow | undefined> {
    const { rows } = await client.query<RecordRow>(byIdSql(source, id));
    return rows[0];
  }

  /** Primary keys of the rows `eachBatch` will stream (in a REPEATABLE READ transaction). */
  async ids(client: PoolClient, source: RecordSource, query: RecordQuery): Promise<number[]> {
    const { rows } = await client.query<{ ids: number[] }>(idsSql(source, query));
    return rows[0].ids;
  }

  /**
   * `source.view` is what is counted: the service passes the dataset's countable view when it
   * has one. `exactTimeoutMs`: the statement timeout of an exact count, for that statement only.
   */
  async count(
    client: PoolClient,
    source: RecordSource,
    query: RecordQuery,
    mode: CountMode,
    exactTimeoutMs?: number,
  ): Promise<RecordCount> {
    if (mode !== 'exact') {
      const total = await this.planned(client, plannedCountSql(source, query, 'all'));
      if (mode === 'planned' || total >= EXACT_COUNT_BELOW) {
        const after = query.after
          ? await this.planned(client, plannedCountSql(source, query, 'fromCursor'))
          : total;
        return { total, before: Math.max(0, total - after), mode, exact: false };
      }
    }
    const counting = () =>
      client.query<{ total: number; before: number }>(exactCountSql(source, query));
    const { rows } = await (exactTimeoutMs === undefined
      ? counting()
      : this.withStatementTimeout(client, exactTimeoutMs, counting));
    return { total: rows[0].total, before: rows[0].before, mode, exact: true };
  }

  /** Primary keys of the rows from `offset`, `count` of them, without opening any value. */
  async windowIds(
    client: PoolClient,
    source: RecordSource,
    query: RecordQuery,
    offset: number,
    count: number,
  ): Promise<number[]> {
    const { rows } = await client.query<{ ids: number[] }>(
      windowIdsSql(source, query, offset, count),
    );
    return rows[0].ids;
  }

  /**
   * Streams the rows through a server-side cursor, `STREAM_BATCH_ROWS` at a time: memory stays
   * one batch whatever the export's size, and each FETCH is its own statement, so the
   * statement timeout bounds a batch, not the whole download. The caller stops by not asking
   * for the next batch (`return()`), which closes the cursor.
   */
  async *batches(
    client: PoolClient,
    source: RecordSource,
    query: RecordQuery,
  ): AsyncGenerator<RecordRow[]> {
    const { text, values } = rowsSql(source, query);
    await client.query(`DECLARE records_stream NO SCROLL CURSOR FOR ${text}`, values);
    let open = true;
    try {
      for (;;) {
        const { rows } = await client.query<RecordRow>(
          `FETCH FORWARD ${STREAM_BATCH_ROWS} FROM records_stream`,
        );
        if (rows.length === 0) break;
        yield rows;
        if (rows.length < STREAM_BATCH_ROWS) break;
      }
    } catch (error) {
      // The transaction is aborted: CLOSE would fail too, and the rollback closes the cursor.
      open = false;
      throw error;
    } finally {
      if (open) await client.query('CLOSE records_stream');
    }
  }

  /** `work` under its own statement timeout, then the transaction's again (both LOCAL). */
  private async withStatementTimeout<T>(
    client: PoolClient,
    timeoutMs: number,
    work: () => Promise<T>,
  ): Promise<T> {
    const { rows } = await client.query<{ previous: string }>(
      `SELECT current_setting('statement_timeout') AS previous,
              set_config('statement_timeout', $1, true)`,
      [String(timeoutMs)],
    );
    const result = await work();
    await client.query(`SELECT set_config('statement_timeout', $1, true)`, [rows[0].previous]);
    return result;
  }

  private async planned(
    client: PoolClient,
    sql: { text: string; values: unknown[] },
  ): Promise<number> {
    const { rows } = await client.query<{ 'QUERY PLAN': { Plan: { 'Plan Rows': number } }[] }>(sql);
    return Math.round(rows[0]['QUERY PLAN'][0].Plan['Plan Rows']);
  }
}
