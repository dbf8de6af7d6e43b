import { Client } from 'pg';
import { BindValuesToTheirClient1795564970000 } from '../../migrations/1795564970000-BindValuesToTheirClient';
import { AppConfig } from '../../src/config/app-config';
import { verifyDatabaseKeys } from '../../src/database/database-key-check';
import { migrateDatabase } from '../../src/database/database-migrator';
import { PERSONAL_CLIENT_COLUMNS } from '../support/client-factory';
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

const ERASED = 5;
const wrappedKeys = async (owner: Client) =>
  (
    await owner.query<{ client_id: number; wrapped_key: Buffer }>(
      'SELECT client_id, wrapped_key FROM smartretail.client_keys ORDER BY client_id',
    )
  ).rows;

describe('binding migration over a database filled under format 1 (unbound values and wraps)', () => {
  let db: TestDatabase;
  let config: AppConfig;
  let owner: Client;
  let before: { rows: unknown[]; indexes: Awaited<ReturnType<typeof storedIndexes>> };
  let formatOneKeys: Map<number, Buffer>;

  beforeAll(async () => {
    ({ db, config } = await previousSchemaDatabase(BindValuesToTheirClient1795564970000));
    owner = await db.connect('owner');
    await insertClients(owner, manyClients(20, 1));
    await importThroughStaging(owner, manyClients(30, 101));
    await inTransaction(owner, { role: 'admin' }, async () => {
      await owner.query('DELETE FROM smartretail.client_keys WHERE client_id = $1', [ERASED]);
      await owner.query('UPDATE clients SET erased_at = now() WHERE client_id = $1', [ERASED]);
    });
    before = { rows: await decryptedRows(owner), indexes: await storedIndexes(owner) };
    expect(before.rows).toHaveLength(49);
    const master = canonicalKey(testSecrets().encryptionKey);
    formatOneKeys = new Map(
      (await wrappedKeys(owner)).map((k) => [
        k.client_id,
        unwrapFormatOneDataKey(k.wrapped_key, master),
      ]),
    );
  });
  afterAll(async () => {
    await owner.end();
    await db.drop();
  });

  it('refuses to convert without the master key, or under another one, and changes nothing', async () => {
    await expectConversionRefused(
      owner,
      { ...config, databaseUrl: db.ownerUrl },
      /binding the existing clients' values and data keys to their client needs the encryption key/,
      'smartretail.open_value(bytea,bytea,integer,text)',
    );
  });

  it('re-wraps every key and re-seals every value bound to its client: same clear values, keys, blind index and digest', async () => {
    await migrateDatabase(config);
    await verifyDatabaseKeys(config);
    expect(await decryptedRows(owner)).toEqual(before.rows);
    const beside = (rows: typeof before.indexes) =>
      rows.map(({ client_id, email_hash, pii_digest }) => ({ client_id, email_hash, pii_digest }));
    expect(beside(await storedIndexes(owner))).toEqual(beside(before.indexes));

    const master = canonicalKey(testSecrets().encryptionKey);
    const keys = await wrappedKeys(owner);
    expect(
      new Map(keys.map((k) => [k.client_id, unwrapDataKey(k.wrapped_key, master, k.client_id)])),
    ).toEqual(formatOneKeys);
    const clear = new Map(
      (before.rows as { row: string }[]).map((r) => {
        const row = JSON.parse(r.row) as Record<string, string | number | null>;
        return [row.client_id as number, row];
      }),
    );
    const stored = (await owner.query('SELECT * FROM clients WHERE erased_at IS NULL'))
      .rows as Record<string, Buffer | number | null>[];
    expect(stored).toHaveLength(49);
    for (const row of stored) {
      const id = row.client_id as number;
      for (const column of PERSONAL_CLIENT_COLUMNS) {
        const value = row[column] as Buffer | null;
        const expected = clear.get(id)?.[column] ?? null;
        if (expected === null) {
          expect(value).toBeNull();
          continue;
        }
        expect(value?.subarray(0, 4)).toEqual(SEALED_HEADER);
        expect(openSealedValue(value as Buffer, formatOneKeys.get(id) as Buffer, id, column)).toBe(
          String(expected),
        );
      }
    }
  });

  it('refuses a format 1 value written afterwards instead of storing or serving it', async () => {
    const { rows } = await owner.query<{ nom: Buffer }>(
      `SELECT substring(nom FROM 1 FOR 3) || '\\x01'::bytea || substring(nom FROM 5) AS nom
         FROM clients WHERE client_id = 1`,
    );
    await expect(
      inTransaction(owner, { role: 'writer' }, () =>
        owner.query('UPDATE clients SET nom = $1 WHERE client_id = 1', [rows[0].nom]),
      ),
    ).rejects.toThrow('Wrong key or corrupt data: a nom value of client 1 does not open');
  });
});
