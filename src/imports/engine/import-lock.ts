/**
 * The import lock protocol, all of it in one place: every import (upload, schedule, CLI) gets its
 * turn through `withDatasetTurn`, the start-up recovery pass goes through `recoverAbandonedRuns`
 * and the directory scan through `tryWithScanLock`; no caller takes a lock or runs recovery itself.
 *
 * - A turn is first taken in this instance (ImportQueue: waiting there costs a promise, not a
 *   pool connection), then across instances with the dataset's PostgreSQL advisory lock, held by
 *   a transaction of its own for the whole import (TransactionAdvisoryLocks: nothing session-level,
 *   so it holds behind a transaction-mode pooler such as PgBouncer). An import holds two pool
 *   connections, the lock's and the one that does its work (run record, data, outcome), and
 *   waits for another instance's import of the same dataset at most until its deadline
 *   (lock_timeout), after which the caller gets a 503. If a process dies, its connections close
 *   and the holding transactions end, which releases their locks: a lock can never stay stuck.
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
import { TransactionAdvisoryLocks } from '../../database/transaction-advisory-locks';
import { ImportRunEvents } from '../history/import-run-events';
import { ImportRunsRepository } from '../history/import-runs.repository';
import { ImportQueue } from './import-queue';

/** Arbitrary constant distinct from the migration lock's key (one bigint key space). */
export const IMPORT_LOCK_KEY = 7_364_110_482;
/** First key of the dataset locks (two-int key space, which never overlaps the bigint one). */
export const DATASET_LOCK_CLASS = 736_411;

export const datasetLockKey = (dataset: DatasetName): [number, number] => [
  DATASET_LOCK_CLASS,
  datasetCatalog.all().findIndex((d) => d.name === dataset),
];

@Injectable()
export class ImportLock {
  private readonly logger = new Logger('Imports');

  constructor(
    private readonly tx: RoleScopedTransactions,
    private readonly locks: TransactionAdvisoryLocks,
    private readonly queue: ImportQueue,
    private readonly runs: ImportRunsRepository,
    private readonly events: ImportRunEvents,
  ) {}

  /**
   * Runs `work` on one connection while holding the dataset's turn (this instance's queue, then
   * the lock across instances), after recovering the dataset's abandoned runs. Throws a 503
   * DomainError when the turn does not come before its deadline.
   */
  async withDatasetTurn<T>(
    dataset: DatasetName,
    work: (client: PoolClient) => Promise<T>,
  ): Promise<T> {
    const asked = Date.now();
    const turn = await this.queue.enter(dataset);
    try {
      const waitMs = Math.max(1, turn.deadline - Date.now());
      const held = await this.locks.withLock(datasetLockKey(dataset), { waitMs }, () =>
        this.tx.withConnection(async (client) => {
          this.events.publishWaited(dataset, (Date.now() - asked) / 1000);
          await this.recoverAbandoned(dataset, client);
          return work(client);
        }),
      );
      if (!held)
        throw unavailable(
          `another instance kept importing ${dataset} for ${Math.round(waitMs / 1000)} s; nothing was imported, retry later`,
          { retryAfterSeconds: 30 },
        );
      return held.value;
    } finally {
      turn.release();
    }
  }

  /** Marks runs left `running` by a dead process as failed; only free datasets are looked at. */
  async recoverAbandonedRuns(datasets: readonly DatasetSpec[]): Promise<void> {
    await this.tx.withConnection(async (client) => {
      for (const { name } of datasets) {
        await this.locks.withLock(datasetLockKey(name), 'if-free', () =>
          this.recoverAbandoned(name, client),
        );
      }
    });
  }

  /** Runs `work` holding the scan lock if it is free; returns `undefined` without running otherwise. */
  tryWithScanLock<T>(work: () => Promise<T>): Promise<{ value: T } | undefined> {
    return this.locks.withLock([IMPORT_LOCK_KEY], 'if-free', work);
  }

  private async recoverAbandoned(dataset: DatasetName, client: PoolClient): Promise<void> {
    const n = await this.runs.failInterrupted(dataset, client);
    if (n)
      this.logger.warn(
        `Marked ${n} interrupted ${dataset} run(s) as failed (their data was rolled back)`,
      );
  }
}
