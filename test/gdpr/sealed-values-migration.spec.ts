import { Readable } from 'node:stream';
import { Client } from 'pg';
import { SealPersonalValues1795564940000 } from '../../migrations/1795564940000-SealPersonalValues';
import { datasetCatalog } from '../../src/catalog/dataset-catalog';
import { AppConfig } from '../../src/config/app-config';
import { verifyDatabaseKeys } from '../../src/database/database-key-check';
import { migrateDatabase } from '../../src/database/database-migrator';
import { createHttpApplication } from '../../src/http-application';
import { ImportService } from '../../src/imports/engine/import.service';
import { clientsCsv, PERSONAL_CLIENT_COLUMNS } from '../support/client-factory';
import {
  decryptedRows,
  expectConversionRefused,
  importThroughStaging,
  previousSchemaDatabase,
  storedIndexes,
} from '../support/previous-schema';
import { insertClients, manyClients } from '../support/retail-fixture';
import {
  openSealedValue,
  SEALED_HEADER,
  unwrapDataKey,
  unwrapFormatOneDataKey,
} from '../support/sealed-value';
import { canonicalKey, inTransaction, TestDatabase, testSecrets } from '../support/test-database';

const clients = datasetCatalog.get('clients');
const direct = manyClients(20, 1);
const imported = manyClients(30, 101);
const ERASED = 5;

type Stored = Record<string, Buffer | number | null>;
const storedClients = async (owner: Client) =>
  (await owner.query<Stored>('SELECT * FROM clients ORDER BY client_id')).rows;
const wrappedKeys = async (owner: Client) =>
  (
    await owner.query<{ client_id: number; wrapped_key: Buffer }>(
      'SELECT client_id, wrapped_key FROM smartretail.client_keys ORDER BY client_id',
    )
  ).rows;

describe('sealed values migration over a database filled under the previous (OpenPGP) schema', () => {
  let db: TestDatabase;
  let config: AppConfig;
  let owner: Client;
  let before: {
    rows: unknown[];
    indexes: Awaited<ReturnType<typeof storedIndexes>>;
    keys: Awaited<ReturnType<typeof wrappedKeys>>;
  };

  beforeAll(async () => {
    ({ db, config } = await previousSchemaDatabase(SealPersonalValues1795564940000));
    owner = await db.connect('owner');
    await insertClients(owner, direct);
    await importThroughStaging(owner, imported);
    // An erased subject: its tombstone holds nothing to convert, and has no key.
    await inTransaction(owner, { role: 'admin' }, async () => {
      await owner.query('DELETE FROM smartretail.client_keys WHERE client_id = $1', [ERASED]);
      await owner.query('UPDATE clients SET erased_at = now() WHERE client_id = $1', [ERASED]);
    });
    before = {
      rows: await decryptedRows(owner),
      indexes: await storedIndexes(owner),
      keys: await wrappedKeys(owner),
    };
    expect(before.rows).toHaveLength(49);
  });
  afterAll(async () => {
    await owner.end();
    await db.drop();
  });

  it('refuses to convert without the master key, or under another one, and changes nothing', async () => {
    await expectConversionRefused(
      owner,
      { ...config, databaseUrl: db.ownerUrl },
      /converting the existing clients' personal values needs the encryption key/,
      'smartretail.open_value(bytea,bytea,text)',
    );
  });

  it('seals every value in place under the same data key: same clear values, blind index and digest', async () => {
    await migrateDatabase(config);
    await verifyDatabaseKeys(config);
    expect(await decryptedRows(owner)).toEqual(before.rows);
    const after = await storedIndexes(owner);
    const beside = (rows: typeof after) =>
      rows.map(({ client_id, email_hash, pii_digest }) => ({ client_id, email_hash, pii_digest }));
    expect(beside(after)).toEqual(beside(before.indexes));

    // Opened apart from the database, with each client's unchanged data key.
    const master = canonicalKey(testSecrets().encryptionKey);
    const keyOf = new Map(
      before.keys.map((k) => [k.client_id, unwrapFormatOneDataKey(k.wrapped_key, master)]),
    );
    // Re-wrapped since (1795564970000-BindValuesToTheirClient.ts), the same data keys.
    const rewrapped = (await wrappedKeys(owner)).map((k) => [
      k.client_id,
      unwrapDataKey(k.wrapped_key, master, k.client_id),
    ]);
    expect(new Map(rewrapped as [number, Buffer][])).toEqual(keyOf);
    const clear = new Map(
      (before.rows as { row: string }[]).map((r) => {
        const row = JSON.parse(r.row) as Record<string, string | number | null>;
        return [row.client_id as number, row];
      }),
    );
    const stored = await storedClients(owner);
    for (const row of stored.filter((r) => r.client_id !== ERASED)) {
      const id = row.client_id as number;
      for (const column of PERSONAL_CLIENT_COLUMNS) {
        const value = row[column] as Buffer | null;
        const expected = clear.get(id)?.[column] ?? null;
        if (expected === null) {
          expect(value).toBeNull();
          continue;
        }
        expect(value?.subarray(0, 4)).toEqual(SEALED_HEADER);
        expect(openSealedValue(value as Buffer, keyOf.get(id) as Buffer, id, column)).toBe(
          String(expected),
        );
      }
    }
    const tombstone = stored.find((r) => r.client_id === ERASED) as Stored;
    expect(PERSONAL_CLIENT_COLUMNS.map((c) => tombstone[c])).toEqual(
      PERSONAL_CLIENT_COLUMNS.map(() => null),
    );
  });

  it('keeps importing through the real path afterwards: an unchanged file is recognised as unchanged', async () => {
    const app = await createHttpApplication(config);
    try {
      const living = [...direct, ...imported].filter((c) => c.client_id !== ERASED);
      const result = await app.get(ImportService).importContent({
        dataset: clients,
        source: 'cli',
        mode: 'default',
        fileName: 'clients.csv',
        content: Readable.from([Buffer.from(clientsCsv([...living, ...manyClients(1, 500)]))]),
      });
      expect(result.report.counts).toMatchObject({
        rowsRead: 50,
        inserted: 1,
        unchanged: 49,
        rejected: 0,
      });
    } finally {
      await app.close();
    }
    expect(await decryptedRows(owner)).toHaveLength(50);
  });
});
