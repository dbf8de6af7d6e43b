/**
 * The export's SQL, run in the caller's transaction. Rows are read through server-side cursors,
 * a page at a time, as JSON text PostgreSQL built: a client with thousands of transactions never
 * sits in memory whole, and rows are never parsed and re-serialised on the way out.
 */
import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { DatasetCatalog } from '../catalog/dataset-catalog';
import { ident } from '../database/sql-identifier';
import {
  AUDIT_ENTRIES_SQL,
  branchSql,
  ClientExportPlan,
  clientExportPlan,
  ExportBranch,
  subjectSql,
} from './client-export-plan';

/** Rows fetched per round trip: a few hundred KB of JSON at most for ordinary transactions. */
export const EXPORT_FETCH_ROWS = 500;

@Injectable()
export class ClientExportRepository {
  readonly plan: ClientExportPlan;

  constructor(private readonly catalog: DatasetCatalog) {
    this.plan = clientExportPlan(catalog);
  }

  async exists(client: PoolClient, clientId: number): Promise<boolean> {
    const { subject } = this.plan;
    const { rowCount } = await client.query(
      `SELECT 1 FROM ${ident(this.catalog.decryptedView(subject))} WHERE ${ident(subject.primaryKey)} = $1`,
      [clientId],
    );
    return rowCount === 1;
  }

  /** The client's row as JSON text, or undefined when it is gone. */
  async subject(client: PoolClient, clientId: number): Promise<string | undefined> {
    const { rows } = await client.query<{ json: string }>(subjectSql(this.catalog, this.plan), [
      clientId,
    ]);
    return rows[0]?.json;
  }

  branchRows(client: PoolClient, branch: ExportBranch, clientId: number): AsyncGenerator<string> {
    return this.cursorRows(client, branchSql(this.catalog, branch), clientId);
  }

  auditEntries(client: PoolClient, clientId: number): AsyncGenerator<string> {
    return this.cursorRows(client, AUDIT_ENTRIES_SQL, clientId);
  }

  /** Cursors live until the end of the transaction; one is open at a time. */
  private async *cursorRows(
    client: PoolClient,
    sql: string,
    clientId: number,
  ): AsyncGenerator<string> {
    await client.query(`DECLARE client_export NO SCROLL CURSOR FOR ${sql}`, [clientId]);
    for (;;) {
      const { rows } = await client.query<{ json: string }>(
        `FETCH ${EXPORT_FETCH_ROWS} FROM client_export`,
      );
      for (const row of rows) yield row.json;
      if (rows.length < EXPORT_FETCH_ROWS) break;
    }
    await client.query('CLOSE client_export');
  }
}
