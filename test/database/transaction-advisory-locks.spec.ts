/**
 * The locks that hold behind a transaction-mode pooler: a transaction-level advisory lock held by
 * an open transaction of its own for as long as the work runs, on real PostgreSQL. Another
 * session (another instance) sees the lock taken during the work and free after it, however the
 * work ends; a holding connection that dies releases the lock without taking the process down.
 */
import { Client } from 'pg';
import { TransactionAdvisoryLocks } from '../../src/database/transaction-advisory-locks';
import { logOf } from '../support/captured-log';
import { ImportHarness } from '../support/import-harness';

const KEY = [7_364_110_999] as const;

describe('transaction advisory locks', () => {
  let h: ImportHarness;
  let other: Client;
  let locks: TransactionAdvisoryLocks;
  /** Whether another session could take the lock right now (it releases it at once). */
  const freeElsewhere = async () => {
    const { rows } = await other.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [
      ...KEY,
    ]);
    if (rows[0].ok) await other.query('SELECT pg_advisory_unlock($1)', [...KEY]);
    return rows[0].ok;
  };
  const holders = () =>
    h.query<{ pid: number; state: string }>(
      `SELECT a.pid, a.state FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.objid = $1::bigint::oid AND a.pid <> $2`,
      [KEY[0] % 2 ** 32, (other as unknown as { processID: number }).processID],
    );

  beforeAll(async () => {
    h = await ImportHarness.start();
    other = await h.db.connect('owner');
    locks = h.app.get(TransactionAdvisoryLocks);
  });
  afterAll(async () => {
    await other.end();
    await h.stop();
  });

  it('holds the lock in an idle open transaction while the work runs, and frees it after', async () => {
    const during = await locks.withLock(KEY, 'if-free', async () => ({
      free: await freeElsewhere(),
      holders: await holders(),
    }));
    expect(during?.value.free).toBe(false);
    expect(during?.value.holders).toEqual([
      { pid: expect.any(Number), state: 'idle in transaction' },
    ]);
    expect(await freeElsewhere()).toBe(true);
    expect(await holders()).toEqual([]);
  });

  it('frees the lock when the work throws, and passes the error on', async () => {
    await expect(
      locks.withLock(KEY, { waitMs: 1000 }, () => Promise.reject(new Error('work failed'))),
    ).rejects.toThrow('work failed');
    expect(await freeElsewhere()).toBe(true);
  });

  it('does not run the work when the lock is held elsewhere: at once (if-free) or after waitMs', async () => {
    await other.query('SELECT pg_advisory_lock($1)', [...KEY]);
    try {
      const work = jest.fn(() => Promise.resolve(1));
      expect(await locks.withLock(KEY, 'if-free', work)).toBeUndefined();
      expect(await locks.withLock(KEY, { waitMs: 200 }, work)).toBeUndefined();
      expect(work).not.toHaveBeenCalled();
    } finally {
      await other.query('SELECT pg_advisory_unlock($1)', [...KEY]);
    }
    expect(await locks.withLock(KEY, { waitMs: 1000 }, () => Promise.resolve(2))).toEqual({
      value: 2,
    });
  });

  it('survives the holding connection being closed under the work: the lock is released and that is logged', async () => {
    let result: { value: string } | undefined;
    const log = await logOf(async () => {
      result = await locks.withLock(KEY, 'if-free', async () => {
        const [holder] = await holders();
        await other.query('SELECT pg_terminate_backend($1)', [holder.pid]);
        // The lock went with the holder's session: another instance could take it now.
        for (let i = 0; i < 100 && !(await freeElsewhere()); i++)
          await new Promise((r) => setTimeout(r, 50));
        return 'done';
      });
    });
    expect(result).toEqual({ value: 'done' });
    expect(await freeElsewhere()).toBe(true);
    expect(log.map((l) => l.msg)).toContainEqual(
      expect.stringMatching(/^The connection holding advisory lock 7364110999 was lost/),
    );
  });
});
