/**
 * Locks across replicas that rely on no session state, so they hold behind a transaction-mode
 * pooler (PgBouncer `pool_mode = transaction`), where consecutive transactions of one client run
 * on whichever server connection is free. A session-level advisory lock stays there on the
 * backend that took it after COMMIT, and the unlock may reach another backend ("you don't own a
 * lock"): behind PgBouncer uploads then waited for a lock nobody used, and two scans ran at once.
 *
 * A lock here is a transaction-level advisory lock (pg_advisory_xact_lock) taken by a transaction
 * opened for that purpose on a pool connection of its own, and kept open, idle, for as long as
 * the work runs on other connections. Releasing it is ending that transaction, so the lock can
 * never outlive it: the end of the work, a dead process, a closed connection or a pooler dropping
 * its server connection all release it, on the backend that holds it. Why not a lock table with a
 * lease and a heartbeat: that needs a renewal timer, a clock and an expiry during which a dead
 * holder still blocks everybody; PostgreSQL already knows when a transaction ends.
 */
import { Injectable, Logger } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { RoleScopedTransactions } from './role-scoped-transactions';

/** A key of PostgreSQL's advisory locks: one bigint, or two integers (two key spaces). */
export type AdvisoryLockKey = readonly [number] | readonly [number, number];

/** How to take it: wait at most `waitMs`, or only if it is free right now. */
export type LockWait = { waitMs: number } | 'if-free';

const LOCK_NOT_AVAILABLE = '55P03';

@Injectable()
export class TransactionAdvisoryLocks {
  private readonly logger = new Logger('Locks');

  constructor(private readonly tx: RoleScopedTransactions) {}

  /**
   * Runs `work` holding the lock; returns `undefined` without running it when the lock is not
   * obtained (held elsewhere and `if-free`, or still held after `waitMs`). The holding
   * transaction costs one pool connection for the whole run, besides those `work` takes.
   */
  async withLock<T>(
    key: AdvisoryLockKey,
    wait: LockWait,
    work: () => Promise<T>,
  ): Promise<{ value: T } | undefined> {
    return this.tx.withConnection(async (holder) => {
      // A checked-out client has no error listener: a connection lost while the holding
      // transaction idles would otherwise be an uncaught 'error' event.
      const onLost = (error: Error) =>
        this.logger.error(
          `The connection holding advisory lock ${key.join('/')} was lost (${error.message}): the lock is released, its work goes on unprotected`,
        );
      holder.on('error', onLost);
      try {
        if (!(await this.take(holder, key, wait))) return undefined;
        try {
          return { value: await work() };
        } finally {
          await holder.query('ROLLBACK').catch(() => undefined);
        }
      } finally {
        holder.off('error', onLost);
      }
    });
  }

  /** Opens the holding transaction and takes the lock in it; false (rolled back) if not taken. */
  private async take(holder: PoolClient, key: AdvisoryLockKey, wait: LockWait): Promise<boolean> {
    const args = key.map((_, i) => `$${i + 1}`).join(', ');
    await holder.query('BEGIN');
    try {
      // The transaction idles for minutes by design: a server-wide idle-in-transaction timeout
      // must not end it (and release the lock) under a running import.
      await holder.query(`SELECT set_config('idle_in_transaction_session_timeout', '0', true)`);
      if (wait === 'if-free') {
        const r = await holder.query<{ ok: boolean }>(
          `SELECT pg_try_advisory_xact_lock(${args}) AS ok`,
          [...key],
        );
        if (!r.rows[0].ok) await holder.query('ROLLBACK');
        return r.rows[0].ok;
      }
      await holder.query(`SELECT set_config('lock_timeout', $1, true)`, [
        String(Math.max(1, Math.round(wait.waitMs))),
      ]);
      await holder.query(`SELECT pg_advisory_xact_lock(${args})`, [...key]);
      return true;
    } catch (error) {
      await holder.query('ROLLBACK').catch(() => undefined);
      if ((error as { code?: string }).code === LOCK_NOT_AVAILABLE) return false;
      throw error;
    }
  }
}
