import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { captureTransactions } from '../../bench/captured-transactions';
import { pgbenchScript } from '../../bench/pgbench-script';
import { urlForRole } from '../../src/database/connection-url';
import { RoleScopedTransactions } from '../../src/database/role-scoped-transactions';
import {
  openSingleConnectionTransactions,
  SingleConnectionTransactions,
} from '../../src/database/single-connection-transactions';
import { TestDatabase } from '../support/test-database';

const run = promisify(execFile);

describe('bench:read request-overhead baseline: captured transactions as pgbench scripts', () => {
  it('writes each bound value in as the literal PostgreSQL reads back as the same value', () => {
    const script = pgbenchScript([
      [
        { text: 'BEGIN', values: [] },
        {
          text: "SELECT $1::text, $2::int, $3::bytea, $4::int[], $5::text, $10::text, to_char(now(), 'HH24:MI') -- the client's :x\n",
          values: [
            "it's a \\ back",
            7,
            Buffer.from([0, 255]),
            [1, 2],
            null,
            1,
            2,
            3,
            4,
            '{"iat":17}',
          ],
        },
        { text: 'COMMIT', values: [] },
      ],
    ]);
    expect(script).toBe(
      [
        'BEGIN;',
        `SELECT E'it''s a \\\\ back'::text, '7'::int, '\\x00ff'::bytea, '{"1","2"}'::int[], NULL::text, E'{"iat"\\07217}'::text, to_char(now(), E'HH24\\072MI');`,
        'COMMIT;',
        '',
      ].join('\n'),
    );
  });

  it('refuses a statement it cannot replay: a value it was not sent, a colon pgbench would take', () => {
    expect(() => pgbenchScript([[{ text: 'SELECT $2', values: ['one'] }]])).toThrow(
      'statement refers to $2, but only 1 were sent',
    );
    expect(() => pgbenchScript([[{ text: 'SELECT (ARRAY[1,2])[1:n]', values: [] }]])).toThrow(
      'cannot replay a statement with pgbench: ":n" outside a literal',
    );
  });

  describe('on a real PostgreSQL', () => {
    let db: TestDatabase;
    let pool: SingleConnectionTransactions;
    let transactions: RoleScopedTransactions;
    beforeAll(async () => {
      db = await TestDatabase.create();
      const config = await db.migrate();
      pool = await openSingleConnectionTransactions(config, 'pgbench-script-spec');
      transactions = pool.transactions;
    });
    afterAll(async () => {
      await pool?.close();
      await db?.drop();
    });

    it('captures the whole role-scoped transaction, and psql replays it as app_user to the same answer', async () => {
      const capture = captureTransactions();
      let answer: string;
      try {
        answer = await transactions.run({ role: 'analyst', readOnly: true }, async (c) => {
          const { rows } = await c.query<{ v: string }>(
            `SELECT current_user || ' ' || $1::text || to_char(date '2025-01-02', ' HH24:MI') AS v`,
            ["l'été \\ 2025 :x"],
          );
          return rows[0].v;
        });
      } finally {
        capture.stop();
      }
      const captured = capture.take();
      expect(captured).toHaveLength(1);
      const verbs = captured[0].map((s) => /^\s*(\w+)/.exec(s.text)?.[1].toUpperCase());
      expect(verbs).toEqual(['BEGIN', 'SELECT', 'SELECT', 'COMMIT']);

      const dir = await mkdtemp(join(tmpdir(), 'pgbench-script-'));
      try {
        const file = join(dir, 'tx.sql');
        await writeFile(file, pgbenchScript(captured), { mode: 0o600 });
        const config = db.config();
        const { stdout } = await run(
          'psql',
          [
            '-X',
            '-A',
            '-t',
            '-v',
            'ON_ERROR_STOP=1',
            '-f',
            file,
            urlForRole(config.databaseUrl, 'app_user', ''),
          ],
          { env: { PATH: process.env.PATH ?? '', PGPASSWORD: config.appDbPassword } },
        );
        expect(answer).toBe("analyst l'été \\ 2025 :x 00:00");
        expect(stdout.split('\n')).toContain(answer);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('leaves node-postgres as it was once stopped', async () => {
      const capture = captureTransactions();
      capture.stop();
      await transactions.run({ role: 'analyst', readOnly: true }, (c) => c.query('SELECT 1'));
      expect(capture.take()).toEqual([]);
    });
  });
});
