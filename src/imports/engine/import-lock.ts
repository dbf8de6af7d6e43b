/**
 * Cross-instance import locks: PostgreSQL session-level advisory locks, so replicas sharing the
 * database never import the same dataset at once. If a process dies, its connections close and
 * PostgreSQL releases its locks, so a lock can never stay stuck.
 *
 * - The dataset lock is taken on the connection that then does the import's work (run record,
 *   data, outcome): an import holds exactly one pool connection, and waits for another
 *   instance's import of the same dataset at most until its deadline (lock_timeout), after
 *   which the caller gets a 503. Instances queue in process first (ImportQueue), so at most one
 *   waiter per dataset and instance ever sits in PostgreSQL.
 * - The scan lock keeps directory scans of several replicas from running at once (the checksum
 *   test "already imported?" must not race): a scan takes it if free, or the tick does nothing.
 */
import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { datasetCatalog } from '../../catalog/dataset-catalog';
import type { DatasetName } from '../../catalog/dataset.types';
import { unavailable } from '../../database/database-unavailable';
import { RoleScopedTransactions } from '../../database/role-scoped-transactions';

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
  constructor(private readonly tx: RoleScopedTransactions) {}

  /**
   * Takes the dataset's lock on `client`, waiting until `deadline` at most. The lock outlives
   * the short transaction that bounds the wait (session-level locks ignore COMMIT).
   */
  async lockDataset(client: PoolClient, dataset: DatasetName, deadline: number): Promise<void> {
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
  async tryLockDataset(client: PoolClient, dataset: DatasetName): Promise<boolean> {
    const r = await client.query<{ ok: boolean }>(
      'SELECT pg_try_advisory_lock($1, $2) AS ok',
      datasetLockKey(dataset),
    );
    return r.rows[0].ok;
  }

  async unlockDataset(client: PoolClient, dataset: DatasetName): Promise<void> {
    await client.query('SELECT pg_advisory_unlock($1, $2)', datasetLockKey(dataset));
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
}
