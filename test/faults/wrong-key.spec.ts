/**
 * "A wrong encryption key must never write data": the service refuses to start, the database
 * refuses keyed writes and lookups, and enrolment refuses keys that do not fit stored data.
 */
import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { datasetCatalog } from '../../src/catalog/dataset-catalog';
import { recordVisibility } from '../../src/catalog/record-visibility';
import { decodeSecret } from '../../src/config/secret-key.validator';
import {
  DatabaseKeyMismatchError,
  verifyDatabaseKeys,
} from '../../src/database/database-key-check';
import { parseRecordQuery } from '../../src/datasets/record-query';
import { pageSql } from '../../src/datasets/record-sql';
import { aClient, CLIENT_INSERT, clientParams } from '../support/client-factory';
import { insertClients, manyClients } from '../support/retail-fixture';
import { freePort, ServiceProcess } from '../support/service-process';
import { canonicalKey, inTransaction, TestDatabase, testSecrets } from '../support/test-database';

const WRONG_KEY_WRITE =
  /the encryption key of this transaction does not match this database's key; nothing was written/;
const WRONG_BLIND_KEY_WRITE =
  /the blind-index key of this transaction does not match this database's key; nothing was written/;
const ENCRYPTION_MISMATCH =
  'ENCRYPTION_KEY does not match the key this database was encrypted with (key check value mismatch)';
const BLIND_INDEX_MISMATCH =
  "BLIND_INDEX_KEY does not match the key this database's e-mail index was built with (key check value mismatch)";

const aWrongKey = () => randomBytes(32).toString('hex');

/** Every form in which a key could leak: as configured, canonical hex, raw bytes. */
function keyForms(secret: string): Buffer[] {
  return [Buffer.from(secret), Buffer.from(canonicalKey(secret)), decodeSecret(secret)!];
}

function expectNoKeyIn(text: string, secrets: string[]): void {
  for (const secret of secrets) {
    for (const form of keyForms(secret).slice(0, 2)) expect(text).not.toContain(form.toString());
  }
}

/** A psql session: any login, SET ROLE, and whatever keys the person typed. */
async function psql(
  client: Client,
  session: { role?: 'admin' | 'writer'; encryptionKey?: string; blindIndexKey?: string },
  sql: string,
  params: unknown[] = [],
): Promise<unknown[]> {
  const s = testSecrets();
  await client.query('BEGIN');
  try {
    await client.query(
      `SELECT set_config('smartretail.encryption_key', $1, true),
              set_config('smartretail.blind_index_key', $2, true)`,
      [
        canonicalKey(session.encryptionKey ?? s.encryptionKey),
        canonicalKey(session.blindIndexKey ?? s.blindIndexKey),
      ],
    );
    if (session.role) await client.query(`SELECT set_config('role', $1, true)`, [session.role]);
    const { rows } = await client.query(sql, params);
    await client.query('COMMIT');
    return rows;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

const countClients = (db: TestDatabase): Promise<number> =>
  db.asOwner(async (c) => (await c.query('SELECT count(*)::int AS n FROM clients')).rows[0].n);

const checkValues = (db: TestDatabase): Promise<Record<string, Buffer>> =>
  db.asOwner(async (c) => {
    const { rows } = await c.query<{ key_name: string; check_value: Buffer }>(
      'SELECT key_name, check_value FROM smartretail.key_check_values',
    );
    return Object.fromEntries(rows.map((r) => [r.key_name, r.check_value]));
  });

/** A database as an upgrade finds it: clients written under the right keys, no check values. */
async function legacyDatabase(clients: number): Promise<TestDatabase> {
  const db = await TestDatabase.create();
  await db.asOwner(async (c) => {
    if (clients) await insertClients(c, manyClients(clients));
    await c.query('DELETE FROM smartretail.key_check_values');
  });
  return db;
}

/** Resolves with the exit code, or 'listening' if the service got as far as serving. */
const startupOutcome = (service: ServiceProcess): Promise<number | null | 'listening'> =>
  Promise.race([
    service.wait(),
    service.waitFor('SmartRetail listening').then(() => 'listening' as const),
  ]);

async function runCli(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [join(__dirname, '../../dist/src/cli', script), ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, output };
}

describe('a wrong key never writes data', () => {
  const databases: TestDatabase[] = [];
  const services: ServiceProcess[] = [];
  const track = async (db: Promise<TestDatabase>) => {
    databases.push(await db);
    return databases[databases.length - 1];
  };
  const startService = async (db: TestDatabase, env: Record<string, string | undefined>) => {
    const service = ServiceProcess.start(
      db.environment({
        PORT: String(await freePort()),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'log',
        ...env,
      }) as Record<string, string>,
    );
    services.push(service);
    return service;
  };
  afterAll(async () => {
    for (const service of services) await service.stop();
    for (const db of databases) await db.drop();
  });

  describe('at start-up', () => {
    it('refuses to start with another ENCRYPTION_KEY, imports nothing, and prints no key', async () => {
      const db = await track(TestDatabase.create());
      await db.asOwner((c) => insertClients(c, manyClients(3)));
      const importDir = mkdtempSync(join(tmpdir(), 'smartretail-wrong-key-'));
      copyFileSync(
        join(__dirname, '../fixtures/csv/ok/clients.csv'),
        join(importDir, 'clients.csv'),
      );
      const wrongKey = aWrongKey();
      try {
        const service = await startService(db, {
          ENCRYPTION_KEY: wrongKey,
          IMPORT_ON_START: 'true',
          IMPORT_DIR: importDir,
        });
        expect(await startupOutcome(service)).toBe(1);
        expect(service.output).toContain(ENCRYPTION_MISMATCH);
        expect(service.output).not.toContain('SmartRetail listening');
        expectNoKeyIn(service.output, [wrongKey, testSecrets().encryptionKey]);
        expect(await countClients(db)).toBe(3);
      } finally {
        rmSync(importDir, { recursive: true, force: true });
      }
    });

    it('refuses to start with another BLIND_INDEX_KEY, and prints no key', async () => {
      const db = await track(TestDatabase.create());
      const wrongKey = randomBytes(32).toString('base64');
      const service = await startService(db, { BLIND_INDEX_KEY: wrongKey });
      expect(await startupOutcome(service)).toBe(1);
      expect(service.output).toContain(BLIND_INDEX_MISMATCH);
      expect(service.output).not.toContain(ENCRYPTION_MISMATCH);
      expectNoKeyIn(service.output, [wrongKey, testSecrets().blindIndexKey]);
    });

    it('makes the import CLI refuse another ENCRYPTION_KEY before importing anything', async () => {
      const db = await track(TestDatabase.create());
      const wrongKey = aWrongKey();
      const { code, output } = await runCli(
        'import.js',
        [join(__dirname, '../fixtures/csv/ok/clients.csv')],
        db.environment({ ENCRYPTION_KEY: wrongKey }) as Record<string, string>,
      );
      expect(code).toBe(1);
      expect(output).toContain(ENCRYPTION_MISMATCH);
      expectNoKeyIn(output, [wrongKey, testSecrets().encryptionKey]);
      expect(await countClients(db)).toBe(0);
    });
  });

  describe('enrolment of the keys', () => {
    it('enrols both keys on the first start against a database without check values, then serves', async () => {
      const db = await track(legacyDatabase(0));
      const service = await startService(db, {});
      expect(await startupOutcome(service)).toBe('listening');
      expect(service.output).toContain('Encryption keys enrolled');
      expect(Object.keys(await checkValues(db)).sort()).toEqual(['blind_index', 'encryption']);
      await service.stop();
    });

    it('refuses to enrol an ENCRYPTION_KEY that does not decrypt the clients already stored', async () => {
      const db = await track(legacyDatabase(2));
      const wrongKey = aWrongKey();
      const service = await startService(db, { ENCRYPTION_KEY: wrongKey });
      expect(await startupOutcome(service)).toBe(1);
      expect(service.output).toContain(
        'ENCRYPTION_KEY does not decrypt the client data already in this database, so it was not enrolled',
      );
      expectNoKeyIn(service.output, [wrongKey, testSecrets().encryptionKey]);
      expect(await checkValues(db)).toEqual({});
    });

    it('refuses to enrol a BLIND_INDEX_KEY that does not reproduce the stored e-mail index', async () => {
      const db = await track(legacyDatabase(2));
      await expect(verifyDatabaseKeys(db.config({ BLIND_INDEX_KEY: aWrongKey() }))).rejects.toThrow(
        'BLIND_INDEX_KEY does not reproduce the e-mail index of the client data already in this database',
      );
      expect(await checkValues(db)).toEqual({});
      // The right keys are then still accepted, proven against the same row.
      await expect(verifyDatabaseKeys(db.config())).resolves.toBe('enrolled');
    });

    it('lets exactly one of two replicas starting at once with different keys enrol', async () => {
      const db = await track(legacyDatabase(0));
      const right = db.config();
      const wrong = db.config({ ENCRYPTION_KEY: aWrongKey(), BLIND_INDEX_KEY: aWrongKey() });
      const outcomes = await Promise.allSettled([
        verifyDatabaseKeys(right),
        verifyDatabaseKeys(wrong),
      ]);
      const refused = outcomes.filter((o) => o.status === 'rejected');
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      expect(refused).toHaveLength(1);
      expect(refused[0].reason).toBeInstanceOf(DatabaseKeyMismatchError);
      // Whichever won, the database now holds that replica's keys and refuses the other's.
      const winner = outcomes[0].status === 'fulfilled' ? right : wrong;
      const loser = winner === right ? wrong : right;
      await expect(verifyDatabaseKeys(winner)).resolves.toBe('verified');
      await expect(verifyDatabaseKeys(loser)).rejects.toThrow(ENCRYPTION_MISMATCH);
    });
  });

  describe('in the database, for a person in psql', () => {
    let db: TestDatabase;
    let app: Client;
    beforeAll(async () => {
      db = await track(TestDatabase.create());
      app = await db.connect('app_user');
      await db.asOwner((c) => insertClients(c, manyClients(5)));
    });
    afterAll(() => app.end());

    it('refuses an insert under another encryption key and writes nothing; the right key writes', async () => {
      const row = aClient({ client_id: 100 });
      const before = await countClients(db);
      await expect(
        psql(app, { role: 'writer', encryptionKey: aWrongKey() }, CLIENT_INSERT, clientParams(row)),
      ).rejects.toThrow(WRONG_KEY_WRITE);
      expect(await countClients(db)).toBe(before);

      await psql(app, { role: 'writer' }, CLIENT_INSERT, clientParams(row));
      const rows = await psql(
        app,
        { role: 'admin' },
        'SELECT nom, email FROM v_clients_decrypted WHERE client_id = 100',
      );
      expect(rows).toEqual([{ nom: row.nom, email: row.email }]);
    });

    it('refuses an update under another blind-index key, and changes nothing', async () => {
      const before = await db.asOwner(
        async (c) =>
          (await c.query('SELECT email, email_hash FROM clients WHERE client_id = 1')).rows[0],
      );
      await expect(
        psql(
          app,
          { role: 'admin', blindIndexKey: aWrongKey() },
          `UPDATE clients SET email = convert_to('autre@exemple.fr', 'UTF8') WHERE client_id = 1`,
        ),
      ).rejects.toThrow(WRONG_BLIND_KEY_WRITE);
      const after = await db.asOwner(
        async (c) =>
          (await c.query('SELECT email, email_hash FROM clients WHERE client_id = 1')).rows[0],
      );
      expect(after).toEqual(before);
    });

    it("refuses the owner's own write under another key too", async () => {
      const before = await countClients(db);
      const owner = await db.connect('owner');
      try {
        await expect(
          psql(
            owner,
            { encryptionKey: aWrongKey() },
            CLIENT_INSERT,
            clientParams(aClient({ client_id: 101 })),
          ),
        ).rejects.toThrow(WRONG_KEY_WRITE);
      } finally {
        await owner.end();
      }
      expect(await countClients(db)).toBe(before);
    });

    it('refuses an update of non-personal columns under a wrong key, yet runs it with no key at all', async () => {
      const inscription = () =>
        db.asOwner(
          async (c) =>
            (await c.query(`SELECT date_inscription::text AS d FROM clients WHERE client_id = 2`))
              .rows[0].d as string,
        );
      const before = await inscription();
      const update = `UPDATE clients SET date_inscription = '2025-01-02' WHERE client_id = 2`;
      await expect(
        psql(app, { role: 'writer', encryptionKey: aWrongKey() }, update),
      ).rejects.toThrow(WRONG_KEY_WRITE);
      expect(await inscription()).toBe(before);
      // No key is no claim: such an update needs none, as before key check values existed.
      await inTransaction(app, { role: 'writer', keys: 'none' }, () => app.query(update));
      expect(await inscription()).toBe('2025-01-02');
    });

    it('refuses a keyed write before any key is enrolled', async () => {
      const legacy = await track(legacyDatabase(0));
      await expect(
        legacy.asOwner((c) => psql(c, {}, CLIENT_INSERT, clientParams(aClient({ client_id: 1 })))),
      ).rejects.toThrow(/has no check value for the encryption key yet.*nothing was written/);
      expect(await countClients(legacy)).toBe(0);
    });

    it('fails an e-mail lookup under another blind-index key instead of finding nothing', async () => {
      const spec = datasetCatalog.get('clients');
      const source = {
        spec,
        view: recordVisibility.viewFor(spec, 'admin')!,
        columns: recordVisibility.visibleColumns(spec, 'admin'),
      };
      const { text, values } = pageSql(
        source,
        parseRecordQuery(spec, 'admin', { email: manyClients(1, 3)[0].email }),
      );
      expect(await psql(app, { role: 'admin' }, text, values)).toHaveLength(1);
      await expect(
        psql(app, { role: 'admin', blindIndexKey: aWrongKey() }, text, values),
      ).rejects.toThrow(
        /the blind-index key of this transaction does not match this database's key; the e-mail lookup was not run/,
      );
    });
  });

  describe('the key check values', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await track(TestDatabase.create());
    });

    it('are HMAC-SHA256 of a fixed label under each key: neither the key nor anything containing it', async () => {
      const s = testSecrets();
      const stored = await checkValues(db);
      for (const [name, secret] of [
        ['encryption', s.encryptionKey],
        ['blind_index', s.blindIndexKey],
      ] as const) {
        const label = `smartretail key check value: ${name}`;
        expect(stored[name]).toEqual(
          createHmac('sha256', canonicalKey(secret)).update(label).digest(),
        );
        for (const form of keyForms(secret)) {
          expect(stored[name].includes(form)).toBe(false);
          expect(stored[name].toString('hex')).not.toContain(form.toString('hex'));
        }
      }
    });

    it('are readable by no application role, only through the owner', async () => {
      expect(Object.keys(await checkValues(db)).sort()).toEqual(['blind_index', 'encryption']);
      const app = await db.connect('app_user');
      const grafana = await db.connect('grafana');
      try {
        const read = 'SELECT * FROM smartretail.key_check_values';
        await expect(app.query(read)).rejects.toThrow(/permission denied/);
        await expect(grafana.query(read)).rejects.toThrow(/permission denied/);
        for (const role of ['admin', 'writer', 'analyst'] as const) {
          await expect(
            inTransaction(app, { role }, () => app.query(read), { commit: false }),
          ).rejects.toThrow(/permission denied/);
        }
      } finally {
        await app.end();
        await grafana.end();
      }
    });

    it('are checked only through SECURITY DEFINER functions with a pinned search_path, granted to the roles holding keys', async () => {
      const { rows } = await db.asOwner((c) =>
        c.query<{ fn: string; definer: boolean; config: string[] | null; roles: string[] }>(`
          SELECT p.proname AS fn, p.prosecdef AS definer, p.proconfig AS config,
                 array(SELECT r FROM unnest(ARRAY['admin', 'writer', 'analyst', 'app_user', 'grafana']) r
                        WHERE has_function_privilege(r, p.oid, 'EXECUTE') ORDER BY r) AS roles
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'smartretail'
             AND p.proname IN ('session_key_status', 'assert_session_keys', 'enrol_or_verify_session_keys')
           ORDER BY p.proname`),
      );
      expect(rows).toEqual([
        {
          fn: 'assert_session_keys',
          definer: true,
          config: ['search_path=pg_catalog, pg_temp'],
          roles: ['admin', 'writer'],
        },
        {
          fn: 'enrol_or_verify_session_keys',
          definer: true,
          config: ['search_path=pg_catalog, pg_temp'],
          roles: ['admin'],
        },
        {
          fn: 'session_key_status',
          definer: true,
          config: ['search_path=pg_catalog, pg_temp'],
          roles: ['admin', 'analyst', 'writer'],
        },
      ]);
    });
  });
});
