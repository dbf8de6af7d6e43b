import type { PoolClient } from 'pg';
import { AppConfig } from '../../src/config/app-config';
import {
  RoleScopedTransactions,
  TransactionScope,
} from '../../src/database/role-scoped-transactions';
import {
  openSingleConnectionTransactions,
  SingleConnectionTransactions,
} from '../../src/database/single-connection-transactions';
import { TestDatabase } from '../support/test-database';

interface Seen {
  pid: number;
  role: string;
  claims: string;
  key: string;
  blind: string;
}

const SEEN = `SELECT pg_backend_pid() AS pid, current_user AS role,
                     current_setting('request.jwt.claims', true) AS claims,
                     current_setting('smartretail.encryption_key', true) AS key,
                     current_setting('smartretail.blind_index_key', true) AS blind`;

/** Counts the writes that reach the connection's socket (a corked batch is one). */
function countWrites(client: PoolClient): () => number {
  const stream = (client as unknown as { connection: { stream: Record<string, unknown> } })
    .connection.stream;
  let writes = 0;
  for (const method of ['_write', '_writev']) {
    const original = stream[method] as (...args: unknown[]) => unknown;
    stream[method] = function (this: unknown, ...args: unknown[]) {
      writes++;
      return original.apply(this, args);
    };
  }
  return () => writes;
}

describe('pipelined role-scoped transactions (one round trip for BEGIN, the settings and the first query)', () => {
  let db: TestDatabase;
  let config: AppConfig;
  let pool: SingleConnectionTransactions;
  let transactions: RoleScopedTransactions;
  beforeAll(async () => {
    db = await TestDatabase.create();
    config = await db.migrate();
    // One connection: every transaction below runs on the same pooled backend, one after another.
    pool = await openSingleConnectionTransactions(config, 'pipelined-transactions-spec');
    transactions = pool.transactions;
  });
  afterAll(async () => {
    await pool?.close();
    await db?.drop();
  });

  const seen = (scope: TransactionScope) =>
    transactions.run(scope, async (c) => (await c.query<Seen>(SEEN)).rows[0]);

  it('sends BEGIN, the settings and the first query in one write, then COMMIT: two instead of four', async () => {
    const writes = await transactions.withConnection(async (client) => {
      const counted = countWrites(client);
      await transactions.runOn(client, { role: 'analyst', readOnly: true, pipelined: true }, (c) =>
        c.query('SELECT 1'),
      );
      const pipelined = counted();
      await transactions.runOn(client, { role: 'analyst', readOnly: true }, (c) =>
        c.query('SELECT 1'),
      );
      return { pipelined, awaited: counted() - pipelined };
    });
    expect(writes).toEqual({ pipelined: 2, awaited: 4 });
  });

  it('never hands a role, a key or a claim of one caller to the next on the same connection', async () => {
    const admin = await seen({
      role: 'admin',
      readOnly: true,
      pipelined: true,
      claims: { sub: 'alice' },
    });
    const analyst = await seen({
      role: 'analyst',
      readOnly: true,
      pipelined: true,
      claims: { sub: 'bob' },
    });
    const plain = await seen({ role: 'writer', readOnly: true, claims: { sub: 'carol' } });
    const after = await transactions.withConnection(
      async (c) => (await c.query<Seen>(SEEN)).rows[0],
    );

    expect(new Set([admin.pid, analyst.pid, plain.pid, after.pid]).size).toBe(1);
    expect(admin).toMatchObject({ role: 'admin', claims: '{"sub":"alice"}' });
    expect(admin.key).not.toBe('');
    expect(admin.blind).not.toBe('');
    expect(analyst).toMatchObject({ role: 'analyst', claims: '{"sub":"bob"}', key: '', blind: '' });
    expect(plain).toMatchObject({ role: 'writer', claims: '{"sub":"carol"}' });
    // Outside any transaction the connection is app_user again, with nothing set.
    expect(after).toMatchObject({ role: 'app_user' });
    expect([after.claims ?? '', after.key ?? '', after.blind ?? '']).toEqual(['', '', '']);
  });

  it("reports the settings' own failure, not the aborted query behind it, and commits nothing", async () => {
    const failed = transactions.run(
      // An out-of-range statement timeout makes the settings statement fail on the server.
      { role: 'writer', pipelined: true, statementTimeoutMs: -5 },
      (c) => c.query(`INSERT INTO magasins (magasin_id, nom) VALUES (987654, 'jamais')`),
    );
    await expect(failed).rejects.toThrow(/statement_timeout/);
    await expect(failed).rejects.not.toThrow(/current transaction is aborted/);
    const stored = await db.asOwner((c) =>
      c.query(`SELECT 1 FROM magasins WHERE magasin_id = 987654`),
    );
    expect(stored.rowCount).toBe(0);
  });

  it('rolls back a failed query and gives the connection back out of pipeline mode, ready for the next caller', async () => {
    await expect(
      transactions.run({ role: 'analyst', readOnly: true, pipelined: true }, (c) =>
        c.query('SELECT 1 / 0'),
      ),
    ).rejects.toThrow('division by zero');
    const state = await transactions.withConnection(async (c) => ({
      pipeline: (c as unknown as { pipeline: boolean }).pipeline,
      status: (await c.query<{ role: string }>('SELECT current_user AS role')).rows[0].role,
    }));
    expect(state).toEqual({ pipeline: false, status: 'app_user' });
    expect(await seen({ role: 'analyst', readOnly: true, pipelined: true })).toMatchObject({
      role: 'analyst',
    });
  });
});
