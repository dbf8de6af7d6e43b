/**
 * Runs the read API's SQL (record-sql.ts) inside the caller's RoleScopedTransactions
 * transaction, so the view's grants decide what the caller may read.
 */
import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { RecordQuery } from './record-query';
import { byIdSql, pageSql, RecordSource } from './record-sql';

export type RecordRow = Record<string, unknown>;

export interface RecordPage {
  /** The page's rows as a JSON array, serialised by PostgreSQL. */
  itemsJson: string;
  /** Primary keys of the rows in the page, in order. */
  ids: number[];
  more: boolean;
}

@Injectable()
export class DatasetsRepository {
  async page(client: PoolClient, source: RecordSource, query: RecordQuery): Promise<RecordPage> {
    const { rows } = await client.query<{ items: string; ids: number[]; more: boolean }>(
      pageSql(source, query),
    );
    return { itemsJson: rows[0].items, ids: rows[0].ids, more: rows[0].more };
  }

  async byId(client: PoolClient, source: RecordSource, id: number): Promise<RecordRow | undefined> {
    const { rows } = await client.query<RecordRow>(byIdSql(source, id));
    return rows[0];
  }
}
