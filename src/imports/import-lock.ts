/**
 * One import at a time across every instance sharing the database: a PostgreSQL session-level
 * advisory lock, held on a dedicated connection for the whole import. If the process dies, the
 * connection closes and PostgreSQL releases the lock, so it can never stay stuck.
 */
import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { DataSource } from 'typeorm';

/** Arbitrary constant distinct from the migration lock's key. */
export const IMPORT_LOCK_KEY = 7_364_110_482;

@Injectable()
export class ImportLock {
  constructor(private readonly dataSource: DataSource) {}

  /** Waits for the lock (uploads, CLI): the caller's import queues behind the running one. */
  async withLock<T>(work: () => Promise<T>): Promise<T> {
    return (await this.hold(true, work)) as T;
  }

  /** Takes the lock only if free (scheduled ticks); returns `undefined` without running otherwise. */
  async tryWithLock<T>(work: () => Promise<T>): Promise<{ value: T } | undefined> {
    let ran = false;
    const value = await this.hold(false, async () => {
      ran = true;
      return work();
    });
    return ran ? { value: value as T } : undefined;
  }

  private async hold<T>(wait: boolean, work: () => Promise<T>): Promise<T | undefined> {
    const runner = this.dataSource.createQueryRunner();
    const client = (await runner.connect()) as PoolClient;
    try {
      if (wait) {
        await client.query('SELECT pg_advisory_lock($1)', [IMPORT_LOCK_KEY]);
      } else {
        const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [
          IMPORT_LOCK_KEY,
        ]);
        if (!r.rows[0].ok) return undefined;
      }
      try {
        return await work();
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [IMPORT_LOCK_KEY]);
      }
    } finally {
      await runner.release();
    }
  }
}
