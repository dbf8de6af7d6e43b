import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { verifyDatabaseKeys } from '../../src/database/database-key-check';
import { migrateDatabase } from '../../src/database/database-migrator';
import { csvExports, storedRowDigests } from '../support/backup-comparison';
import { DebianPostgres, debianPg15Missing } from '../support/debian-postgres';
import { insertClients, loadRetailFixture, manyClients } from '../support/retail-fixture';
import { serviceEnvironment } from '../support/test-database';

/**
 * The backup path README documents for your own server (DATABASE_URL): `pg_dump -Fc`, then
 * `pg_restore` into a new database, as the superuser keeping owners, and as a new schema owner
 * with --no-owner, with and without --no-privileges. PostgreSQL's tools never see a key: a
 * trigger that needed one during the restore would fail it. The restored database holds the
 * same stored bytes row by row (nothing sealed twice) and the service started on it serves the
 * same decrypted records. Debian's pg_dump is 15 and refuses the test run's PostgreSQL 18, so
 * this runs on a PostgreSQL 15 of its own.
 */
const missing = debianPg15Missing();
const describeWithPg15 = missing ? describe.skip : describe;
const NEW_OWNER = 'smartretail_restorer';

/** The service's start-up on `url`: migrations (grants re-applied if lost), then the key check. */
async function startUp(url: string): Promise<AppConfig> {
  const config = loadConfig(serviceEnvironment(url), { embedded: false });
  await migrateDatabase(config);
  await verifyDatabaseKeys(config);
  return config;
}

async function asOwner<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * What the dump does not carry: the database's own grants (pg_dump leaves them out without
 * --create) and the owner's default privileges (they name the owner, another owner has none).
 * Read after the service's start-up; a function created as the owner stands for one of a
 * later migration, and is rolled back.
 */
async function databaseWideGrants(url: string): Promise<Record<string, boolean>> {
  return asOwner(url, async (c) => {
    await c.query('BEGIN');
    try {
      await c.query(
        `CREATE FUNCTION smartretail.later_migration() RETURNS int LANGUAGE sql AS 'SELECT 1'`,
      );
      return (
        await c.query(`
          SELECT has_database_privilege('public', current_database(), 'CONNECT') AS public_connect,
                 has_database_privilege('grafana', current_database(), 'TEMPORARY') AS grafana_temporary,
                 has_database_privilege('writer', current_database(), 'TEMPORARY') AS writer_temporary,
                 has_function_privilege('grafana', 'smartretail.later_migration()', 'EXECUTE') AS later_function_public`)
      ).rows[0] as Record<string, boolean>;
    } finally {
      await c.query('ROLLBACK');
    }
  });
}

const SOURCE_GRANTS = {
  public_connect: false,
  grafana_temporary: false,
  writer_temporary: true,
  later_function_public: false,
};

describeWithPg15(
  `pg_dump -Fc and pg_restore of a DATABASE_URL server${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    let pg: DebianPostgres;
    let sourceUrl: string;
    let before: Record<string, string>;
    let storedBefore: Record<string, string>;
    let dir: string | undefined;
    let dump: string;
    const ownerPassword = randomBytes(18).toString('base64url');

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'smartretail-pgdump-'));
      dump = join(dir, 'smartretail.dump');
      pg = await DebianPostgres.start();
      const admin = pg.url('postgres');
      await pg.query(admin, `CREATE DATABASE smartretail TEMPLATE template0`);
      // README: on a managed server the owner is not a superuser; CREATEROLE sets the login
      // roles' passwords, owning the database lets it create the trusted pgcrypto.
      await pg.query(
        admin,
        `CREATE ROLE ${NEW_OWNER} LOGIN CREATEROLE PASSWORD '${ownerPassword}'`,
      );
      sourceUrl = pg.url('smartretail');
      const config = await startUp(sourceUrl);
      await asOwner(sourceUrl, async (c) => {
        await loadRetailFixture(c, 12);
        await insertClients(c, manyClients(30, 13));
      });
      before = await csvExports(config);
      const dumped = await pg.run('pg_dump', ['-Fc', '-d', 'smartretail', '-f', dump]);
      expect(dumped).toEqual({ code: 0, stderr: '' });
      storedBefore = await asOwner(sourceUrl, storedRowDigests);
      expect(await databaseWideGrants(sourceUrl)).toEqual(SOURCE_GRANTS);
    }, 60_000);

    afterAll(async () => {
      try {
        await pg?.stop();
      } finally {
        if (dir) rmSync(dir, { recursive: true, force: true });
      }
    });

    it('the fixture is there to compare: every client, its wrapped key, the audit of the exports', () => {
      expect(before.clients.split('\r\n').length).toBeGreaterThan(42);
      expect(Object.keys(storedBefore).filter((r) => r.startsWith('clients/'))).toHaveLength(42);
      expect(Object.keys(storedBefore).filter((r) => r.startsWith('client_keys/'))).toHaveLength(
        42,
      );
    });

    it('a data-only restore into the restored schema fires the triggers (foreign keys, then the encryption trigger, which needs the key): refused, then with --disable-triggers the same bytes and exports', async () => {
      const name = 'restored_data_only';
      await pg.query(pg.url('postgres'), `CREATE DATABASE ${name} TEMPLATE template0`);
      const schema = await pg.run('pg_restore', ['--schema-only', '-d', name, dump]);
      expect(schema).toEqual({ code: 0, stderr: '' });
      // One transaction each, so a refused attempt leaves no row behind for the next one.
      const data = ['--data-only', '--single-transaction', '-d', name];
      // With triggers on, the tables load in name order and the foreign keys refuse the first
      // child; clients alone (no parent) reaches the encryption trigger, which needs the key.
      const all = await pg.run('pg_restore', [...data, dump]);
      expect(all.code).toBe(1);
      expect(all.stderr).toMatch(/violates foreign key constraint/);
      const clients = await pg.run('pg_restore', [...data, '--table=clients', dump]);
      expect(clients.code).toBe(1);
      expect(clients.stderr).toContain('smartretail: no encryption key in this transaction');
      const withoutTriggers = await pg.run('pg_restore', ['--disable-triggers', ...data, dump]);
      expect(withoutTriggers).toEqual({ code: 0, stderr: '' });
      const url = pg.url(name);
      expect(await asOwner(url, storedRowDigests)).toEqual(storedBefore);
      expect(await csvExports(await startUp(url))).toEqual(before);
    }, 45_000);

    it.each([
      { how: 'as the superuser, owners kept', flags: [], user: 'postgres', failed: [] },
      {
        how: 'with --no-owner, as a new schema owner (one statement fails: exit 1)',
        flags: ['--no-owner'],
        user: NEW_OWNER,
        // The dump's default privileges name the role they belong to, which another owner may
        // not alter: pg_restore goes on, then exits 1 ("errors ignored on restore: 1").
        failed: [
          'ALTER DEFAULT PRIVILEGES FOR ROLE postgres REVOKE ALL ON FUNCTIONS  FROM PUBLIC;',
        ],
      },
      {
        how: 'with --no-owner --no-privileges, as a new schema owner: grants re-applied at start-up',
        flags: ['--no-owner', '--no-privileges'],
        user: NEW_OWNER,
        failed: [],
      },
    ])(
      'restores $how: no key, same stored bytes per row, same decrypted CSV exports, database-wide grants back at start-up',
      async ({ flags, user, failed }) => {
        const name = `restored_${flags.map((f) => f.replace(/\W/g, '')).join('_') || 'plain'}`;
        await pg.query(
          pg.url('postgres'),
          `CREATE DATABASE ${name} OWNER ${user} TEMPLATE template0`,
        );
        const password = user === 'postgres' ? undefined : ownerPassword;
        const restored = await pg.run('pg_restore', [...flags, '-d', name, dump], user, password);
        const errors = restored.stderr.split('\n').filter((l) => l.startsWith('pg_restore: error'));
        const commands = [...restored.stderr.matchAll(/^Command was: (.*)$/gm)].map((m) => m[1]);
        expect({ commands, errors: errors.length, code: restored.code }).toEqual({
          commands: failed,
          errors: failed.length,
          code: failed.length ? 1 : 0,
        });
        const url = pg.url(name, user, password);
        const state = await asOwner(
          url,
          async (c) =>
            (
              await c.query(`SELECT (SELECT tableowner FROM pg_tables WHERE tablename = 'clients') AS owner,
                                    has_schema_privilege('analyst', 'smartretail', 'USAGE') AS analyst_usage`)
            ).rows[0] as { owner: string; analyst_usage: boolean },
        );
        expect(state).toEqual({
          owner: user,
          analyst_usage: !flags.includes('--no-privileges'),
        });
        expect(await asOwner(url, storedRowDigests)).toEqual(storedBefore);
        expect(await csvExports(await startUp(url))).toEqual(before);
        expect(await databaseWideGrants(url)).toEqual(SOURCE_GRANTS);
      },
      45_000,
    );
  },
);
