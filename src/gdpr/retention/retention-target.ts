/**
 * One kind of row the retention purge deletes. Adding a target is one entry in
 * retention-targets.ts (or any object implementing this, added there): the purge gives it the
 * advisory lock, the batching, the log line and its metric series.
 */
import type { PoolClient } from 'pg';

export interface RetentionTarget {
  /** The metric's `target` label and the log's name: a fixed word, never a value from data. */
  readonly name: string;
  /** Rows older than this many days go (from the validated configuration). */
  readonly retentionDays: number;
  /**
   * Deletes at most `limit` rows older than `cutoff`, in the transaction of `client` (one batch,
   * committed on its own), and returns how many it deleted. Fewer than `limit` means done.
   */
  purgeBatch(client: PoolClient, cutoff: Date, limit: number): Promise<number>;
}

export const RETENTION_TARGETS = Symbol('RETENTION_TARGETS');

export type PurgeFunction = 'purge_audit_log' | 'purge_import_rejections' | 'purge_import_runs';

/** Calls one of the purge functions of migrations/1795564911000-CreateRetentionPurge.ts. */
export async function callPurgeFunction(
  client: PoolClient,
  fn: PurgeFunction,
  cutoff: Date,
  limit: number,
): Promise<number> {
  const { rows } = await client.query<{ deleted: number }>(
    `SELECT smartretail.${fn}($1::timestamptz, $2::integer) AS deleted`,
    [cutoff.toISOString(), limit],
  );
  return rows[0].deleted;
}
