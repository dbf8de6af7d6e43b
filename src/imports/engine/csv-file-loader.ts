/**
 * Loads one CSV file into one dataset inside the caller's transaction (one transaction per file:
 * a crash or kill mid-file rolls everything back, so nothing is ever half-imported).
 *
 * Set-based, never row by row: records are validated in Node while streaming (so every
 * rejection keeps its line number; in a worker thread, see csv/csv-staging-thread.ts) and
 * COPYed into a typed TEMP staging table; duplicates,
 * foreign keys and the insert/update/unchanged split are then a handful of SQL statements.
 */
import { once } from 'node:events';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { DatasetSpec } from '../../catalog/dataset.types';
import type { CsvEncoding } from './csv/csv-record-reader';
import { StagedFile, stageCsv } from './csv/csv-staging';
import { stageInWorker } from './csv/csv-staging-thread';
import {
  copyStagingSql,
  createDataKeysSql,
  allKeysNewSql,
  createStagingSql,
  duplicateKeysSql,
  insertAllStagedSql,
  insertNewRowsSql,
  moveParseRejectionsSql,
  rejectErasedSubjectsSql,
  reinstateErasedSubjectsSql,
  rejectOrphansSql,
  shareStagingSql,
  supersedeDuplicatesSql,
  updateChangedPersonalRowsSql,
  updateChangedRowsSql,
} from './dataset-merge-sql';
import type { ImportCounts, ImportMode } from '../history/import-run';

export const MAX_WARNINGS = 100;

export interface LoaderOptions {
  /** Decode, parse, validate and encode in a worker thread (IMPORT_WORKERS), not on the event loop. */
  workers: boolean;
}

export interface LoadProgress {
  rows: number;
}

export interface LoadOutcome {
  counts: ImportCounts;
  /** Rows refused because a parent row (client, store...) is missing. */
  orphaned: number;
  warnings: string[];
  /** Set when atomic mode refused the file because some rows were bad. */
  atomicRefusal?: string;
  /** Seconds spent in each phase, for the debug log (where the time goes on big files). */
  phases: Record<string, number>;
}

/** An admin's reinstatement of the erased subjects a file holds, audited under this request. */
export interface Reinstatement {
  requestId: string;
  correlationId?: string;
}

export class CsvFileLoader {
  constructor(
    private readonly client: PoolClient,
    private readonly spec: DatasetSpec,
    private readonly runId: string,
    private readonly options: LoaderOptions = { workers: true },
  ) {}

  async load(
    source: AsyncIterable<Buffer>,
    mode: ImportMode,
    onProgress?: (p: LoadProgress) => void,
    encoding?: CsvEncoding,
    { reinstate }: { reinstate?: Reinstatement } = {},
  ): Promise<LoadOutcome> {
    const phases: Record<string, number> = {};
    const phase = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
      const started = process.hrtime.bigint();
      const result = await work();
      phases[name] = Number(process.hrtime.bigint() - started) / 1e9;
      return result;
    };
    await this.client.query(createStagingSql(this.spec));
    const staged = await phase('parse+copy', () => this.stage(source, onProgress, encoding));
    const warnings = staged.warnings;
    if (!staged.rowsRead) warnings.push('the file has a header line but no rows');
    if (staged.parseRejected) {
      await this.sql(moveParseRejectionsSql.record);
      await this.sql(moveParseRejectionsSql.drop, false);
    }
    const superseded = staged.keysAscending
      ? 0
      : await phase('duplicates', () => this.supersedeDuplicates(warnings));
    const orphans = rejectOrphansSql(this.spec);
    const orphaned = orphans ? await phase('foreign keys', () => this.sql(orphans)) : 0;
    const erasedSql = reinstate ? null : rejectErasedSubjectsSql(this.spec);
    const erased = erasedSql ? await phase('erased subjects', () => this.sql(erasedSql)) : 0;
    const rejected = staged.parseRejected + superseded + orphaned + erased;
    const invalid = staged.parseRejected + orphaned + erased;
    if (mode === 'atomic' && invalid > 0) {
      return {
        counts: {
          rowsRead: staged.rowsRead,
          inserted: 0,
          updated: 0,
          unchanged: 0,
          rejected: staged.rowsRead,
        },
        orphaned,
        warnings,
        atomicRefusal: `atomic import refused: ${invalid} invalid row(s); nothing was loaded`,
        phases,
      };
    }
    // After the atomic check: a reinstatement is audited, so only one that happens is.
    if (reinstate) await phase('reinstatements', () => this.authoriseReinstatements(reinstate));
    const dataKeys = createDataKeysSql(this.spec);
    if (dataKeys) await phase('data keys', () => this.statements(dataKeys));
    let updated = 0;
    // No staged key in the target: nothing to update, and no new keys to search for.
    const allNew = await phase('all new?', () => this.allKeysNew());
    const personalUpdate = allNew ? null : updateChangedPersonalRowsSql(this.spec);
    if (personalUpdate) {
      await this.sql(shareStagingSql, false);
      updated += await phase('update personal', () =>
        this.asAdmin(() => this.sql(personalUpdate, false)),
      );
    }
    for (const [i, sql] of (allNew ? [] : updateChangedRowsSql(this.spec)).entries()) {
      updated += await phase(`update ${i + 1}`, () => this.sql(sql, false));
    }
    const insert = allNew ? [insertAllStagedSql(this.spec)] : insertNewRowsSql(this.spec);
    const inserted = await phase('insert', () => this.statements(insert));
    const unchanged = staged.rowsRead - rejected - inserted - updated;
    return {
      counts: { rowsRead: staged.rowsRead, inserted, updated, unchanged, rejected },
      orphaned,
      warnings,
      phases,
    };
  }

  /**
   * Work done as admin inside the file's writer transaction: what the writer role may not do
   * (compare stored digests, authorise a reinstatement). Back to writer afterwards; on an error
   * the transaction is rolled back whole anyway.
   */
  private async asAdmin<T>(work: () => Promise<T>): Promise<T> {
    await this.client.query(`SELECT set_config('role', 'admin', true)`);
    const result = await work();
    await this.client.query(`SELECT set_config('role', 'writer', true)`);
    return result;
  }

  private async authoriseReinstatements(reinstate: Reinstatement): Promise<void> {
    const sql = reinstateErasedSubjectsSql(this.spec);
    if (!sql) return;
    const { rows } = await this.client.query<{ ids: number[] }>(sql.find);
    if (!rows[0].ids.length) return;
    await this.asAdmin(() =>
      this.client.query(sql.authorise, [
        rows[0].ids,
        reinstate.requestId,
        reinstate.correlationId ?? null,
      ]),
    );
  }

  private async allKeysNew(): Promise<boolean> {
    const { rows } = await this.client.query<{ all_new: boolean }>(allKeysNewSql(this.spec));
    return rows[0].all_new;
  }

  /** Runs statements in order; the count is the last one's (the earlier ones prepare it). */
  private async statements(texts: string[]): Promise<number> {
    let count = 0;
    for (const text of texts) count = await this.sql(text, false);
    return count;
  }

  private async sql(text: string, withRun = true): Promise<number> {
    const result = await this.client.query(text, withRun ? [this.runId] : []);
    return result.rowCount ?? 0;
  }

  /**
   * COPYs the file into staging. The CPU work (csv-staging.ts) runs in a worker thread unless
   * IMPORT_WORKERS=false; either way this side only writes COPY chunks, awaiting each drain.
   */
  private async stage(
    source: AsyncIterable<Buffer>,
    onProgress?: (p: LoadProgress) => void,
    encoding?: CsvEncoding,
  ): Promise<StagedFile> {
    const copy = this.client.query(copyFrom(copyStagingSql));
    // When the connection dies mid-COPY (PostgreSQL stopped, or shutdown terminated the
    // session), the stream errors and forgets its connection; writing to or destroying it after
    // that throws a TypeError inside pg-copy-streams that nothing can catch, so stop touching it
    // once it has failed, and stop the staging at once (`copyStopped`).
    let copyFailed: Error | undefined;
    let stopCopy!: (error: Error) => void;
    const copyStopped = new Promise<never>((_, reject) => (stopCopy = reject));
    copyStopped.catch(() => undefined);
    copy.on('error', (error: Error) => {
      copyFailed ??= error;
      stopCopy(copyFailed);
    });
    const done = once(copy, 'finish');
    done.catch(() => undefined);
    const write = async (text: string | Buffer, rowsRead: number): Promise<void> => {
      if (copyFailed) throw copyFailed;
      if (text.length && !copy.write(text)) await Promise.race([once(copy, 'drain'), copyStopped]);
      onProgress?.({ rows: rowsRead });
    };
    let staged: StagedFile;
    try {
      staged = this.options.workers
        ? await stageInWorker(this.spec, source, write, copyStopped, encoding)
        : await stageCsv(this.spec, source, write, encoding);
    } catch (error) {
      if (!copyFailed) copy.destroy(error as Error);
      throw copyFailed ?? error;
    }
    if (copyFailed) throw copyFailed;
    copy.end();
    await done;
    return staged;
  }

  private async supersedeDuplicates(warnings: string[]): Promise<number> {
    const dups = await this.client.query<{ key: string; lines: number[] }>(
      duplicateKeysSql(this.spec),
    );
    if (!dups.rowCount) return 0;
    for (const { key, lines } of dups.rows.slice(0, MAX_WARNINGS)) {
      const last = lines[lines.length - 1];
      warnings.push(
        `${this.spec.primaryKey} ${key} appears on lines ${lines.join(', ')}: line ${last} wins`,
      );
    }
    return this.sql(supersedeDuplicatesSql(this.spec));
  }
}
