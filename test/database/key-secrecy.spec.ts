import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { verifyDatabaseKeys } from '../../src/database/database-key-check';
import { aClient, CLIENT_INSERT, clientParams } from '../support/client-factory';
import { canonicalKey, inTransaction, testSecrets, TestDatabase } from '../support/test-database';

/**
 * The server's log: the file the global setup writes when it started the (embedded) server
 * itself; otherwise (DATABASE_URL) read through SQL, which takes a superuser (or
 * pg_read_server_files plus EXECUTE on pg_current_logfile) and the logging collector. When
 * neither works the test fails and says why: a secrecy check that silently skips proves nothing.
 */
async function readServerLog(db: TestDatabase): Promise<string> {
  const file = process.env.TEST_PG_LOG;
  if (file) return readFileSync(file, 'utf8');
  return db.asOwner(async (owner) => {
    let current: string | null;
    try {
      current = (await owner.query<{ f: string | null }>('SELECT pg_current_logfile() AS f'))
        .rows[0].f;
    } catch (error) {
      throw new Error(
        `cannot locate the server log of DATABASE_URL (${(error as Error).message}): its user must be a superuser, or hold pg_read_server_files and EXECUTE on pg_current_logfile()`,
        { cause: error },
      );
    }
    if (!current) {
      throw new Error(
        'cannot read the server log of DATABASE_URL: logging_collector is off, so the log is not in a file PostgreSQL can read back; turn it on, or run the tests without DATABASE_URL (embedded server)',
      );
    }
    try {
      return (await owner.query<{ log: string }>('SELECT pg_read_file($1) AS log', [current]))
        .rows[0].log;
    } catch (error) {
      throw new Error(
        `cannot read the server log ${current} of DATABASE_URL (${(error as Error).message}): its user needs pg_read_server_files or superuser`,
        { cause: error },
      );
    }
  });
}

describe('the encryption keys never reach the database catalog or the server log', () => {
  let db: TestDatabase;
  // A key someone typed by mistake must not leak either.
  const wrongKey = randomBytes(32).toString('hex');
  const keys = () => [
    canonicalKey(testSecrets().encryptionKey),
    canonicalKey(testSecrets().blindIndexKey),
    wrongKey,
  ];

  beforeAll(async () => {
    db = await TestDatabase.create();
    // Log every statement of this database, as a careless operator might.
    await db.asOwner((owner) => owner.query(`ALTER DATABASE ${db.name} SET log_statement = 'all'`));
  });
  afterAll(() => db.drop());

  async function exerciseKeys(marker: string, firstId: number): Promise<void> {
    // The start-up key check, enrolment included, sends the keys like any transaction.
    await db.asOwner((owner) => owner.query('DELETE FROM smartretail.key_check_values'));
    await verifyDatabaseKeys(db.config());
    await expect(verifyDatabaseKeys(db.config({ ENCRYPTION_KEY: wrongKey }))).rejects.toThrow();
    const app: Client = await db.connect('app_user');
    try {
      await app.query(`SELECT '${marker}' AS marker`);
      await expect(
        inTransaction(app, { role: 'writer' }, async () => {
          await app.query(`SELECT set_config('smartretail.encryption_key', $1, true)`, [wrongKey]);
          await app.query(CLIENT_INSERT, clientParams(aClient({ client_id: firstId + 3 })));
        }),
      ).rejects.toThrow(/does not match this database's key/);
      await inTransaction(app, { role: 'writer' }, () =>
        app.query(CLIENT_INSERT, clientParams(aClient({ client_id: firstId }))),
      );
      await inTransaction(app, { role: 'admin' }, () =>
        app.query('SELECT * FROM v_clients_decrypted'),
      );
      await expect(
        inTransaction(app, { role: 'writer' }, () =>
          app.query(CLIENT_INSERT, clientParams(aClient({ client_id: firstId + 1, sexe: '?' }))),
        ),
      ).rejects.toThrow();
      await expect(
        inTransaction(app, { role: 'writer', keys: 'none' }, () =>
          app.query(CLIENT_INSERT, clientParams(aClient({ client_id: firstId + 2 }))),
        ),
      ).rejects.toThrow();
      const { rows } = await app.query(
        `SELECT current_setting('smartretail.encryption_key', true) AS k`,
      );
      expect(rows[0].k ?? '').toBe('');
    } finally {
      await app.end();
    }
  }

  it('keeps them out of role settings, function bodies, view definitions, settings and key check values', async () => {
    await exerciseKeys(`catalog-${randomBytes(4).toString('hex')}`, 1);
    const catalogText = await db.asOwner(async (owner) => {
      const { rows } = await owner.query(`
        SELECT coalesce(string_agg(s, E'\\n'), '') AS text FROM (
          SELECT array_to_string(setconfig, ',') AS s FROM pg_db_role_setting
          UNION ALL SELECT prosrc FROM pg_proc
          UNION ALL SELECT definition FROM pg_views
          UNION ALL SELECT coalesce(setting, '') FROM pg_settings
          UNION ALL SELECT coalesce(query, '') FROM pg_stat_activity
          UNION ALL SELECT encode(check_value, 'hex') FROM smartretail.key_check_values
        ) t`);
      return rows[0].text as string;
    });
    expect(catalogText).toContain('log_parameter_max_length=0');
    for (const key of keys()) expect(catalogText).not.toContain(key);
  });

  it('keeps them out of the server log even with log_statement = all', async () => {
    const marker = `log-${randomBytes(4).toString('hex')}`;
    await exerciseKeys(marker, 10);
    let log = '';
    // The log is written asynchronously: wait (boundedly) for this test's own marker.
    for (let attempt = 0; attempt < 50 && !log.includes(marker); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      log = await readServerLog(db);
    }
    expect(log).toContain(marker);
    expect(log).toContain('set_config');
    for (const key of keys()) expect(log).not.toContain(key);
  });
});
