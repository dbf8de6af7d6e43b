import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { Client } from 'pg';
import { EnvelopeEncryption1795564920000 } from '../../migrations/1795564920000-EnvelopeEncryption';
import { datasetCatalog } from '../../src/catalog/dataset-catalog';
import { AppConfig } from '../../src/config/app-config';
import { verifyDatabaseKeys } from '../../src/database/database-key-check';
import { migrateDatabase } from '../../src/database/database-migrator';
import { createHttpApplication } from '../../src/http-application';
import { ImportService } from '../../src/imports/engine/import.service';
import { clientsCsv } from '../support/client-factory';
import {
  decryptedRows,
  importThroughStaging,
  previousSchemaDatabase,
  storedIndexes,
} from '../support/previous-schema';
import { insertClients, manyClients } from '../support/retail-fixture';
import { canonicalKey, inTransaction, TestDatabase, testSecrets } from '../support/test-database';

const clients = datasetCatalog.get('clients');
const direct = manyClients(20, 1);
const imported = manyClients(30, 101);

describe('envelope encryption migration over a database filled under the previous schema', () => {
  let db: TestDatabase;
  let config: AppConfig;
  let owner: Client;
  let before: { rows: unknown[]; indexes: Awaited<ReturnType<typeof storedIndexes>> };

  beforeAll(async () => {
    ({ db, config } = await previousSchemaDatabase(EnvelopeEncryption1795564920000));
    owner = await db.connect('owner');
    await insertClients(owner, direct);
    await importThroughStaging(owner, imported);
    before = { rows: await decryptedRows(owner), indexes: await storedIndexes(owner) };
    expect(before.rows).toHaveLength(50);
  });
  afterAll(async () => {
    await owner.end();
    await db.drop();
  });

  it('refuses to convert without the master key, or under another one, and changes nothing', async () => {
    const target = { ...config, databaseUrl: db.ownerUrl };
    await expect(migrateDatabase({ ...target, encryptionKey: undefined })).rejects.toThrow(
      /needs the encryption key/,
    );
    const wrong = { ...target, encryptionKey: randomBytes(32).toString('hex') };
    await expect(migrateDatabase(wrong)).rejects.toThrow(
      /does not match this database's key; nothing was converted/,
    );
    const keys = await owner.query(`SELECT to_regclass('smartretail.client_keys') AS t`);
    expect(keys.rows[0].t).toBeNull();
    expect(await decryptedRows(owner)).toEqual(before.rows);
  });

  it('converts every client in place: same clear values, blind index and digest, new ciphertext', async () => {
    await migrateDatabase(config);
    await verifyDatabaseKeys(config);
    expect(await decryptedRows(owner)).toEqual(before.rows);
    const after = await storedIndexes(owner);
    expect(
      after.map(({ client_id, email_hash, pii_digest }) => ({ client_id, email_hash, pii_digest })),
    ).toEqual(
      before.indexes.map(({ client_id, email_hash, pii_digest }) => ({
        client_id,
        email_hash,
        pii_digest,
      })),
    );
    const master = canonicalKey(testSecrets().encryptionKey);
    for (const [i, row] of after.entries()) {
      expect(row.email.equals(before.indexes[i].email)).toBe(false);
      await expect(
        owner.query('SELECT pgp_sym_decrypt($1::bytea, $2)', [row.email, master]),
      ).rejects.toThrow(/Wrong key/);
    }
  });

  it('gives every client its own random data key, wrapped under master-key version 1', async () => {
    const keys = await inTransaction(owner, {}, async () =>
      owner.query<{ n: number; distinct_keys: number; versions: number[] }>(
        `SELECT count(*)::int AS n,
                count(DISTINCT smartretail.data_key(client_id, wrapped_key, master_key_version))::int AS distinct_keys,
                array_agg(DISTINCT master_key_version) AS versions
           FROM smartretail.client_keys`,
      ),
    );
    expect(keys.rows[0]).toEqual({ n: 50, distinct_keys: 50, versions: [1] });
  });

  it('keeps importing through the real path afterwards: an unchanged file is recognised as unchanged', async () => {
    const app = await createHttpApplication(config);
    try {
      const result = await app.get(ImportService).importContent({
        dataset: clients,
        source: 'cli',
        mode: 'default',
        fileName: 'clients.csv',
        content: Readable.from([
          Buffer.from(clientsCsv([...direct, ...imported, ...manyClients(1, 500)])),
        ]),
      });
      expect(result.report.counts).toMatchObject({
        rowsRead: 51,
        inserted: 1,
        unchanged: 50,
        rejected: 0,
      });
    } finally {
      await app.close();
    }
    expect(await decryptedRows(owner)).toHaveLength(51);
  });
});
