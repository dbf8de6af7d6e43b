/**
 * Databases brought to the schema as it was before a given migration, then filled the ways the
 * service of that time filled them, so a data-converting migration is tested on real data.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { datasetCatalog } from '../../src/catalog/dataset-catalog';
import { AppConfig } from '../../src/config/app-config';
import { verifyDatabaseKeys } from '../../src/database/database-key-check';
import { migrateDatabase, MigrationTarget } from '../../src/database/database-migrator';
import {
  copyStagingSql,
  createStagingSql,
  insertNewRowsSql,
} from '../../src/imports/engine/dataset-merge-sql';
import { clientsCsv } from './client-factory';
import type { ClientRow } from './client-factory';
import { inTransaction, TestDatabase } from './test-database';

const clients = datasetCatalog.get('clients');

/** An empty database at the schema before `migration`, keys enrolled. */
export async function previousSchemaDatabase(
  migration: (typeof MIGRATIONS)[number],
): Promise<{ db: TestDatabase; config: AppConfig }> {
  const db = await TestDatabase.create('template0');
  const previous = await new DataSource({
    type: 'postgres',
    url: db.ownerUrl,
    migrations: MIGRATIONS.slice(0, MIGRATIONS.indexOf(migration)),
    migrationsTableName: 'migrations',
    extra: { max: 1 },
  }).initialize();
  await previous.runMigrations({ transaction: 'each' });
  await previous.destroy();
  const config = db.config();
  await verifyDatabaseKeys(config);
  return { db, config };
}

/** The importer's own staging table and INSERT statements, as they run on that schema. */
export async function importThroughStaging(owner: Client, rows: ClientRow[]): Promise<void> {
  const [header, ...lines] = clientsCsv(rows).trim().split('\n');
  expect(header.split(',')).toEqual(clients.columns.map((c) => c.name));
  await inTransaction(owner, { role: 'writer' }, async () => {
    await owner.query(createStagingSql(clients));
    const copy = owner.query(copyFrom(copyStagingSql));
    const staged = lines.map((l, i) =>
      [i + 2, '\\N', '\\N', '\\N', '\\N', ...l.split(',')].join('\t'),
    );
    await new Promise<void>((resolve, reject) => {
      copy.on('finish', resolve).on('error', reject);
      copy.end(staged.join('\n') + '\n');
    });
    for (const statement of insertNewRowsSql(clients)) await owner.query(statement);
  });
}

/** What admin reads, row by row, as JSON. */
export const decryptedRows = (owner: Client) =>
  inTransaction(
    owner,
    { role: 'admin' },
    async () =>
      (
        await owner.query(
          'SELECT row_to_json(v)::text AS row FROM v_clients_decrypted v ORDER BY client_id',
        )
      ).rows,
  );

/** What the clients table stores beside the ciphertext. */
export const storedIndexes = async (owner: Client) =>
  (
    await owner.query(
      'SELECT client_id, email_hash, pii_digest, email FROM clients ORDER BY client_id',
    )
  ).rows as { client_id: number; email_hash: Buffer; pii_digest: Buffer; email: Buffer }[];

/**
 * A data-converting migration run without the master key, then under another one: refused each
 * time (`missingKey` is its message without a key), and the database left exactly as it was,
 * without the function `introduced` it would have created.
 */
export async function expectConversionRefused(
  owner: Client,
  target: MigrationTarget,
  missingKey: RegExp,
  introduced: string,
): Promise<void> {
  const before = { indexes: await storedIndexes(owner), rows: await decryptedRows(owner) };
  await expect(migrateDatabase({ ...target, encryptionKey: undefined })).rejects.toThrow(
    missingKey,
  );
  const wrong = { ...target, encryptionKey: randomBytes(32).toString('hex') };
  await expect(migrateDatabase(wrong)).rejects.toThrow(
    /does not match this database's key; nothing was converted/,
  );
  const fn = await owner.query(`SELECT to_regprocedure($1) AS f`, [introduced]);
  expect(fn.rows[0].f).toBeNull();
  expect(await storedIndexes(owner)).toEqual(before.indexes);
  expect(await decryptedRows(owner)).toEqual(before.rows);
}
