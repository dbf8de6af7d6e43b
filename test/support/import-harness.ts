/**
 * A migrated test database plus the real HTTP application on it, and shortcuts to import
 * fixture files through the real ImportService and read back what landed (decrypted as admin).
 */
import { INestApplication } from '@nestjs/common';
import { createReadStream } from 'node:fs';
import { basename, join } from 'node:path';
import { datasetCatalog } from '../../src/catalog/dataset-catalog';
import type { DatasetName } from '../../src/catalog/dataset.types';
import { Environment } from '../../src/config/app-config';
import type { ImportMode, ImportRun } from '../../src/imports/history/import-run';
import { ImportResult, ImportService } from '../../src/imports/engine/import.service';
import { startHttpHarness } from './http-app';
import { inTransaction, TestDatabase } from './test-database';

export const FIXTURES = join(__dirname, '../fixtures/csv');
export const fixture = (name: string) => join(FIXTURES, name);

export class ImportHarness {
  private constructor(
    readonly db: TestDatabase,
    readonly app: INestApplication,
  ) {}

  static async start(env: Environment = {}): Promise<ImportHarness> {
    const { db, app } = await startHttpHarness(env);
    return new ImportHarness(db, app);
  }

  get imports(): ImportService {
    return this.app.get(ImportService);
  }

  async importFile(
    path: string,
    dataset: DatasetName,
    mode: ImportMode = 'default',
  ): Promise<ImportResult> {
    return this.imports.importContent({
      dataset: datasetCatalog.get(dataset),
      source: 'cli',
      mode,
      fileName: basename(path),
      content: createReadStream(path),
    });
  }

  async report(
    path: string,
    dataset: DatasetName,
    mode: ImportMode = 'default',
  ): Promise<ImportRun> {
    return (await this.importFile(path, dataset, mode)).report;
  }

  /** Rows as admin sees them (decrypted views, as JSON), ordered by primary key. */
  async rows(dataset: DatasetName): Promise<Record<string, unknown>[]> {
    const spec = datasetCatalog.get(dataset);
    const client = await this.db.connect('owner');
    try {
      return await inTransaction(client, { role: 'admin' }, async () => {
        // JSON keeps dates as written (YYYY-MM-DD) and amounts as numbers.
        const r = await client.query<{ row: Record<string, unknown> }>(
          `SELECT row_to_json(v) AS row FROM ${datasetCatalog.decryptedView(spec)} v ORDER BY ${spec.primaryKey}`,
        );
        return r.rows.map((x) => x.row);
      });
    } finally {
      await client.end();
    }
  }

  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.db.asOwner(async (c) => (await c.query(sql, params)).rows as T[]);
  }

  async stop(): Promise<void> {
    await this.app.close();
    await this.db.drop();
  }
}

export const countsAddUp = (r: ImportRun) =>
  r.counts.rowsRead ===
  r.counts.inserted + r.counts.updated + r.counts.unchanged + r.counts.rejected;
