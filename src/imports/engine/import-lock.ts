/**
 * The import lock protocol, all of it in one place: every import (upload, schedule, CLI) gets its
 * turn through `withDatasetTurn`, the start-up recovery pass goes through `recoverAbandonedRuns`
 * and the directory scan through `tryWithScanLock`; no caller takes a lock or runs recovery itself.
 *
 * - A turn is first taken in this instance (ImportQueue: waiting there costs a promise, not a
 *   pool connection), then across instances with a PostgreSQL session-level advisory lock on the
 *   connection that then does the import's work (run record, data, outcome): an import holds
 *   exactly one pool connection, and waits for another instance's import of the same dataset at
 *   most until its deadline (lock_timeout), after which the caller gets a 503. If a process dies,
 *   its connections close and PostgreSQL releases its locks, so a lock can never stay stuck.
 * - Holding the dataset's lock proves no live process is importing it, so that is when runs a
 *   dead process left `running` are marked failed: before every import, and at start-up for the
 *   datasets that are free (those being imported are left to their importer).
 * - The scan lock keeps directory scans of several replicas from running at once (the checksum
 *   test "already imported?" must not race): a scan takes it if free, or the tick does nothing.
 */
import { Injectable, Logger } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { datasetCatalog } from '../../catalog/dataset-catalog';
import type { DatasetName, DatasetSpec } from '../../catalog/dataset.types';
import { unavailable } from '../../database/database-unavailable';
import { RoleScopedTransactions } from '../../database/role-scoped-transactions';
import { ImportRunEvents } from '../history/import-run-events';
import { ImportRunsRepository } from '../history/import-runs.repository';
import { ImportQueue } from './import-queue';

/** Arbitrary constant distinct from the migration lock's key (one bigint key space). */
export const IMPORT_LOCK_KEY = 7_364_110_482;
/** First key of the dataset locks (two-int key space, which never overlaps the bigint one). */
export const DATASET_LOCK_CLASS = 736_411;

const LOCK_NOT_AVAILABLE = '55P03';

export const datasetLockKey = (dataset: DatasetName): [number, number] => [
  DATASET_LOCK_CLASS,
  datasetCatalog.all().findIndex((d) => d.name === dataset),
];

@Injectable()
export class ImportLock {
  private readonly logger = new Logger('Imports');

  constructor(
    private readonly tx: RoleScopedTransactions,
    private readonly queue: ImportQueue,
    private readonly runs: ImportRunsRepository,
    private readonly events: ImportRunEvents,
  ) {}

  /**
   * Runs `work` on one connection holding the dataset's turn (this instance's queue, then the
   * lock across instances), after recovering the dataset's abandoned runs. Throws a 503
   * DomainError when the turn does not come before its deadline.
   */
  async withDatasetTurn<T>(
    dataset: DatasetName,
    work: (client: PoolClient) => Promise<T>,
  ): Promise<T> {
    const asked = Date.now();
    const turn = await this.queue.enter(dataset);
    try {
      return await this.tx.withConnection(async (client) => {
        await this.lockDataset(client, dataset, turn.deadline);
        this.events.publishWaited(dataset, (Date.now() - asked) / 1000);
        try {
          await this.recoverAbandoned(dataset, client);
          return await work(client);
        } finally {
          await this.unlockDataset(client, dataset).catch(() => undefined);
        }
      });
    } finally {
      turn.release();
    }
  }

  /** Marks runs left `running` by a dead process as failed; only free datasets are looked at. */
  async recoverAbandonedRuns(datasets: readonly DatasetSpec[]): Promise<void> {
    await this.tx.withConnection(async (client) => {
      for (const { name } of datasets) {
        if (!(await this.tryLockDataset(client, name))) continue;
        try {
          await this.recoverAbandoned(name, client);
        } finally {
          await this.unlockDataset(client, name);
        }
      }
    });
  }

  /** Runs `work` holding the scan lock if it is free; returns `undefined` without running otherwise. */
  async tryWithScanLock<T>(work: () => Promise<T>): Promise<{ value: T } | undefined> {
    return this.tx.withConnection(async (client) => {
      const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [
        IMPORT_LOCK_KEY,
      ]);
      if (!r.rows[0].ok) return undefined;
      try {
        return { value: await work() };
      } finally {
        await client
          .query('SELECT pg_advisory_unlock($1)', [IMPORT_LOCK_KEY])
          .catch(() => undefined);
      }
    });
  }

  private async recoverAbandoned(dataset: DatasetName, client: PoolClient): Promise<void> {
    const n = await this.runs.failInterrupted(dataset, client);
    if (n)
      this.logger.warn(
        `Marked ${n} interrupted ${dataset} run(s) as failed (their data was rolled back)`,
      );
  }

  /**
   * Takes the dataset's lock on `client`, waiting until `deadline` at most. The lock outlives
   * the short transaction that bounds the wait (session-level locks ignore COMMIT).
   */
  private async lockDataset(client: PoolClient, dataset: DatasetName, deadline: number) {
    const waitMs = Math.max(1, deadline - Date.now());
    await client.query('BEGIN');
    try {
      await client.query(`SELECT set_config('lock_timeout', $1, true)`, [String(waitMs)]);
      await client.query('SELECT pg_advisory_lock($1, $2)', datasetLockKey(dataset));
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      if ((error as { code?: string }).code === LOCK_NOT_AVAILABLE)
        throw unavailable(
          `another instance kept importing ${dataset} for ${Math.round(waitMs / 1000)} s; nothing was imported, retry later`,
          { retryAfterSeconds: 30 },
        );
      throw error;
    }
  }

  /** Takes the dataset's lock only if free, for recovery passes that must not wait. */
  private async tryLockDataset(client: PoolClient, dataset: DatasetName): Promise<boolean> {
    const r = await client.query<{ ok: boolean }>(
      'SELECT pg_try_advisory_lock($1, $2) AS ok',
      datasetLockKey(dataset),
    );
    return r.rows[0].ok;
  }

  private async unlockDataset(client: PoolClient, dataset: DatasetName): Promise<void> {
    await client.query('SELECT pg_advisory_unlock($1, $2)', datasetLockKey(dataset));
  }
}
