import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { aClient, CLIENT_INSERT, clientParams } from '../support/client-factory';
import { sealValue, unwrapDataKey } from '../support/sealed-value';
import { canonicalKey, inTransaction, TestDatabase, testSecrets } from '../support/test-database';

const WRONG_KEY = /Wrong key or corrupt data: a (nom|prenom) value of client 1 does not open/;
const WRONG_KEY_2 = /Wrong key or corrupt data: a nom value of client 2 does not open/;

/**
 * A sealed value (migrations/1795564940000-SealPersonalValues.ts) opens only unaltered, under
 * its own client's key and in its own column: any change an attacker with write access to the
 * table could make is an error on read and on write, never a wrong clear value.
 */
describe('sealed personal values: authenticated, bound to their client and column', () => {
  let db: TestDatabase;
  let client: Client;
  let owner: Client;

  beforeAll(async () => {
    db = await TestDatabase.create();
    client = await db.connect('app_user');
    owner = await db.connect('owner');
    for (const id of [1, 2])
      await inTransaction(client, { role: 'writer' }, () =>
        client.query(CLIENT_INSERT, clientParams(aClient({ client_id: id }))),
      );
  });
  afterAll(async () => {
    await client.end();
    await owner.end();
    await db.drop();
  });

  const readNom = (id: number) =>
    inTransaction(client, { role: 'admin' }, async () => {
      const { rows } = await client.query(
        'SELECT nom FROM v_clients_decrypted WHERE client_id = $1',
        [id],
      );
      return rows[0]?.nom as string | undefined;
    });

  /** Changes stored bytes behind the trigger's back, reads, and puts everything back. */
  async function readAfterTampering(sql: string): Promise<string | undefined> {
    await owner.query('BEGIN');
    try {
      await owner.query('ALTER TABLE clients DISABLE TRIGGER clients_protect_personal_data');
      await owner.query(sql);
      await owner.query(`SELECT set_config('smartretail.encryption_key', $1, true)`, [
        canonicalKey(testSecrets().encryptionKey),
      ]);
      const { rows } = await owner.query('SELECT nom FROM v_clients_decrypted WHERE client_id = 1');
      return rows[0]?.nom as string | undefined;
    } finally {
      await owner.query('ROLLBACK');
    }
  }

  it('opens unaltered values', async () => {
    expect(await readNom(1)).toBe(aClient({ client_id: 1 }).nom);
  });

  it.each([
    ['a header byte (version 1)', `set_byte(nom, 3, 1)`],
    ['an IV bit', `set_byte(nom, 4, get_byte(nom, 4) # 1)`],
    ['a ciphertext bit', `set_byte(nom, 20, get_byte(nom, 20) # 128)`],
    ['a tag bit', `set_byte(nom, octet_length(nom) - 1, get_byte(nom, octet_length(nom) - 1) # 1)`],
    ['a cut tag', `substring(nom FROM 1 FOR octet_length(nom) - 1)`],
    ['a cut block', `substring(nom FROM 1 FOR 20) || substring(nom FROM 37)`],
    ['the value of another column', `prenom`],
    ['the same column of another client', `(SELECT nom FROM clients WHERE client_id = 2)`],
  ])('refuses to read %s', async (_what, expression) => {
    await expect(
      readAfterTampering(`UPDATE clients SET nom = ${expression} WHERE client_id = 1`),
    ).rejects.toThrow(WRONG_KEY);
  });

  it('refuses to write a value moved from another column or another client', async () => {
    // As admin: writer may not even read the stored values it would move.
    for (const expression of ['prenom', '(SELECT nom FROM clients WHERE client_id = 2)']) {
      await expect(
        inTransaction(client, { role: 'admin' }, () =>
          client.query(`UPDATE clients SET nom = ${expression} WHERE client_id = 1`),
        ),
      ).rejects.toThrow(WRONG_KEY);
    }
    expect(await readNom(1)).toBe(aClient({ client_id: 1 }).nom);
  });

  it('accepts a value sealed elsewhere under the client own key, and checks it like clear text', async () => {
    const { rows } = await owner.query<{ wrapped_key: Buffer }>(
      'SELECT wrapped_key FROM smartretail.client_keys WHERE client_id = 2',
    );
    const dataKey = unwrapDataKey(
      rows[0].wrapped_key,
      canonicalKey(testSecrets().encryptionKey),
      2,
    );
    await inTransaction(client, { role: 'writer' }, () =>
      client.query('UPDATE clients SET nom = $1 WHERE client_id = 2', [
        sealValue('Sealed Elsewhere', dataKey, 2, 'nom'),
      ]),
    );
    expect(await readNom(2)).toBe('Sealed Elsewhere');
    await expect(
      inTransaction(client, { role: 'writer' }, () =>
        client.query('UPDATE clients SET nom = $1 WHERE client_id = 2', [
          sealValue('   ', dataKey, 2, 'nom'),
        ]),
      ),
    ).rejects.toThrow('clients.nom must not be empty');
    await expect(
      inTransaction(client, { role: 'writer' }, () =>
        client.query('UPDATE clients SET nom = $1 WHERE client_id = 2', [
          sealValue('Forged', randomBytes(32), 2, 'nom'),
        ]),
      ),
    ).rejects.toThrow(WRONG_KEY_2);
  });

  it('reads nothing under another master key: an error naming the client, not a wrong value', async () => {
    await expect(
      inTransaction(client, { role: 'admin' }, async () => {
        await client.query(`SELECT set_config('smartretail.encryption_key', $1, true)`, [
          randomBytes(32).toString('hex'),
        ]);
        return client.query('SELECT nom FROM v_clients_decrypted WHERE client_id = 1');
      }),
    ).rejects.toThrow(/Wrong key or corrupt data: the data key of client 1 does not open/);
  });
});
