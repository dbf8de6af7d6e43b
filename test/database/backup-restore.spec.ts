import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datasetCatalog } from '../../src/catalog/dataset-catalog';
import { migrateDatabase } from '../../src/database/database-migrator';
import { csvExports, storedRowDigests } from '../support/backup-comparison';
import { insertClients, loadRetailFixture, manyClients } from '../support/retail-fixture';
import { TestDatabase } from '../support/test-database';

/**
 * The embedded server's backup path (npm run db:backup / db:restore): the restored database
 * serves exactly the same decrypted records, holds exactly the same stored bytes (nothing
 * re-sealed), and the restore never needs the key. And a database that lost its grants (as
 * pg_restore --no-privileges leaves it) gets them back at start-up.
 */
const cli = async (file: string, args: string[], env: Record<string, string | undefined>) => {
  const child = spawn(process.execPath, [join(__dirname, '../../dist/src/cli', file), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const [code] = (await once(child, 'exit')) as [number];
  return { code, output };
};

describe('backup and restore of the embedded database', () => {
  let source: TestDatabase;
  let target: TestDatabase;
  const dir = mkdtempSync(join(tmpdir(), 'smartretail-backup-'));
  const file = join(dir, 'smartretail.backup');

  beforeAll(async () => {
    source = await TestDatabase.create();
    await source.migrate();
    await source.asOwner(async (c) => {
      await loadRetailFixture(c, 12);
      await insertClients(c, manyClients(30, 13));
    });
    target = await TestDatabase.create('template0');
  });
  afterAll(async () => {
    await source.drop();
    await target.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('round-trips: same stored bytes, same decrypted CSV exports, and no key used by the restore', async () => {
    const before = await csvExports(await source.migrate());
    const backup = await cli('backup-database.js', [file], source.environment());
    expect(backup).toMatchObject({ code: 0 });
    // Another master key for the restore: had it decrypted or sealed anything, the restored
    // values would not open under the real one.
    const restore = await cli(
      'restore-database.js',
      [file],
      target.environment({ ENCRYPTION_KEY: randomBytes(32).toString('hex') }),
    );
    expect(restore.output).toMatch(/Restored \d+ row\(s\)/);
    expect(restore.code).toBe(0);
    expect(await target.asOwner(storedRowDigests)).toEqual(await source.asOwner(storedRowDigests));
    expect(await csvExports(await target.migrate())).toEqual(before);
    expect(before.clients.split('\r\n').length).toBeGreaterThan(42);
  });

  it('refuses to restore into a database that already holds data, and changes nothing', async () => {
    const again = await cli('restore-database.js', [file], target.environment());
    expect(again.code).toBe(1);
    expect(again.output).toMatch(/already holds rows: restore into a fresh database/);
  });
});

describe('a database restored without its privileges (pg_restore --no-privileges)', () => {
  it('gets the declared grants back at start-up, PUBLIC included', async () => {
    const db = await TestDatabase.create();
    try {
      await db.asOwner(async (c) => {
        await c.query(
          `REVOKE ALL ON SCHEMA smartretail, public FROM admin, writer, analyst, grafana`,
        );
        await c.query(
          `GRANT EXECUTE ON FUNCTION smartretail.enrol_or_verify_session_keys() TO PUBLIC`,
        );
      });
      await migrateDatabase(db.config());
      const state = await db.asOwner(
        async (c) =>
          (
            await c.query(`SELECT has_schema_privilege('analyst', 'smartretail', 'USAGE') AS usage,
                                  has_function_privilege('grafana', 'smartretail.enrol_or_verify_session_keys()', 'EXECUTE') AS public_execute`)
          ).rows[0] as Record<string, boolean>,
      );
      expect(state).toEqual({ usage: true, public_execute: false });
      await db.asOwner((c) => loadRetailFixture(c, 3));
      expect(Object.keys(await csvExports(await db.migrate()))).toHaveLength(
        datasetCatalog.all().length,
      );
    } finally {
      await db.drop();
    }
  });
});
