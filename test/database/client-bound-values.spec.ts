import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import request from 'supertest';
import { aClient, CLIENT_INSERT, clientParams } from '../support/client-factory';
import { HttpHarness, startHttpHarness } from '../support/http-app';
import { bearer } from '../support/role-tokens';
import { openSealedValue, sealValue, unwrapDataKey, wrapDataKey } from '../support/sealed-value';
import { canonicalKey, inTransaction, testSecrets } from '../support/test-database';

const PERSONAL = ['nom', 'prenom', 'email', 'date_naissance', 'sexe', 'ville'];
const GIRARD = aClient({ client_id: 4, nom: 'Girard', prenom: 'Lucie', ville: 'Lyon' });
const DUBOIS = aClient({ client_id: 5, nom: 'Dubois', prenom: 'Marc', ville: 'Nantes' });
const master = () => canonicalKey(testSecrets().encryptionKey);

/**
 * Values and wrapped data keys are bound to their client
 * (migrations/1795564970000-BindValuesToTheirClient.ts). The attacker has database access but
 * no key: a superuser with session_replication_role = replica, so no trigger runs.
 */
describe('personal values and data keys bound to their client', () => {
  let h: HttpHarness;
  let owner: Client;
  let client: Client;

  beforeAll(async () => {
    h = await startHttpHarness();
    owner = await h.db.connect('owner');
    client = await h.db.connect('app_user');
    for (const row of [GIRARD, DUBOIS])
      await inTransaction(client, { role: 'writer' }, () =>
        client.query(CLIENT_INSERT, clientParams(row)),
      );
  });
  afterAll(async () => {
    await client.end();
    await owner.end();
    await h.close();
  });

  /** Swaps clients 4 and 5's stored bytes behind the triggers' back, committed. */
  async function swap(what: { values: boolean; keys: boolean }): Promise<void> {
    await owner.query('BEGIN');
    await owner.query('SET LOCAL session_replication_role = replica');
    if (what.values)
      await owner.query(`
        UPDATE clients c SET ${PERSONAL.map((p) => `${p} = o.${p}`).join(', ')}
          FROM clients o WHERE o.client_id = 9 - c.client_id AND c.client_id IN (4, 5)`);
    if (what.keys)
      await owner.query(`
        UPDATE smartretail.client_keys k SET wrapped_key = o.wrapped_key
          FROM smartretail.client_keys o WHERE o.client_id = 9 - k.client_id AND k.client_id IN (4, 5)`);
    await owner.query('COMMIT');
  }

  const viewRow = (id: number) =>
    inTransaction(client, { role: 'admin' }, async () => {
      const { rows } = await client.query(
        'SELECT nom, prenom FROM v_clients_decrypted WHERE client_id = $1',
        [id],
      );
      return rows[0] as { nom: string; prenom: string };
    });

  const apiRecord = (id: number) =>
    request(h.app.getHttpServer())
      .get(`/datasets/clients/records/${id}`)
      .set(...bearer('admin'));

  it.each([
    ['wrapped keys and every ciphertext', { values: true, keys: true }, 'the data key of client 4'],
    ['ciphertexts only', { values: true, keys: false }, 'a nom value of client 4'],
    ['wrapped keys only', { values: false, keys: true }, 'the data key of client 4'],
  ])('refuses to read after swapping %s of two clients', async (_what, what, named) => {
    expect(await viewRow(4)).toEqual({ nom: 'Girard', prenom: 'Lucie' });
    await swap(what);
    try {
      const read = viewRow(4);
      await expect(read).rejects.toThrow(`Wrong key or corrupt data: ${named} does not open`);
      const message = await read.catch((e: Error) => e.message);
      expect(message).not.toMatch(/Girard|Dubois|Lucie|Marc/);
      await expect(viewRow(5)).rejects.toThrow(/Wrong key or corrupt data: .* client 5 /);
      // The API never serves Dubois as client 4: a 500 that says nothing about the data.
      const res = await apiRecord(4);
      expect(res.status).toBe(500);
      expect(JSON.stringify(res.body)).not.toMatch(/Girard|Dubois/);
      const page = await request(h.app.getHttpServer())
        .get('/datasets/clients/records?limit=10')
        .set(...bearer('admin'));
      expect(page.status).toBe(500);
    } finally {
      await swap(what);
    }
    expect(await viewRow(4)).toEqual({ nom: 'Girard', prenom: 'Lucie' });
    expect((await apiRecord(5)).body).toMatchObject({ nom: 'Dubois' });
  });

  /** The contract #19 relies on: node:crypto and the database speak the same format. */
  describe('format 2 in node:crypto (test/support/sealed-value.ts)', () => {
    const dataKeyOf = async (id: number) => {
      const { rows } = await owner.query<{ wrapped_key: Buffer }>(
        'SELECT wrapped_key FROM smartretail.client_keys WHERE client_id = $1',
        [id],
      );
      return unwrapDataKey(rows[0].wrapped_key, master(), id);
    };
    const stored = async (id: number) =>
      (await owner.query('SELECT * FROM clients WHERE client_id = $1', [id])).rows[0] as Record<
        string,
        Buffer
      >;

    it('opens every value the database sealed, only for its own client and column', async () => {
      const key = await dataKeyOf(4);
      const row = await stored(4);
      for (const column of PERSONAL)
        expect(openSealedValue(row[column], key, 4, column)).toBe(
          String((GIRARD as unknown as Record<string, unknown>)[column]),
        );
      expect(() => openSealedValue(row.nom, key, 5, 'nom')).toThrow('tag mismatch');
      const { rows } = await owner.query<{ wrapped_key: Buffer }>(
        'SELECT wrapped_key FROM smartretail.client_keys WHERE client_id = 4',
      );
      expect(() => unwrapDataKey(rows[0].wrapped_key, master(), 5)).toThrow('tag mismatch');
    });

    it('has the database open a value sealed by node:crypto, and refuse it for another client', async () => {
      const key = await dataKeyOf(4);
      await inTransaction(client, { role: 'writer' }, () =>
        client.query('UPDATE clients SET prenom = $1 WHERE client_id = 4', [
          sealValue('Sealed In Node', key, 4, 'prenom'),
        ]),
      );
      expect(await viewRow(4)).toEqual({ nom: 'Girard', prenom: 'Sealed In Node' });
      // Sealed under client 5's own key and id, written into client 4: refused, naming 4.
      await expect(
        inTransaction(client, { role: 'writer' }, async () =>
          client.query('UPDATE clients SET prenom = $1 WHERE client_id = 4', [
            sealValue('Moved', await dataKeyOf(5), 5, 'prenom'),
          ]),
        ),
      ).rejects.toThrow('Wrong key or corrupt data: a prenom value of client 4 does not open');
    });

    it('has the database unwrap a data key wrapped by node:crypto for its client only', async () => {
      const key = randomBytes(32);
      await inTransaction(client, { role: 'writer' }, async () => {
        await client.query(
          'INSERT INTO smartretail.client_keys (client_id, wrapped_key, master_key_version) VALUES (6, $1, 1)',
          [wrapDataKey(key, master(), 6)],
        );
        await client.query(CLIENT_INSERT, clientParams(aClient({ client_id: 6, nom: 'Node' })));
      });
      expect(await viewRow(6)).toMatchObject({ nom: 'Node' });
      expect(openSealedValue((await stored(6)).nom, key, 6, 'nom')).toBe('Node');
      await expect(
        inTransaction(client, { role: 'writer' }, async () => {
          await client.query(
            'INSERT INTO smartretail.client_keys (client_id, wrapped_key, master_key_version) VALUES (7, $1, 1)',
            [wrapDataKey(randomBytes(32), master(), 8)],
          );
          await client.query(CLIENT_INSERT, clientParams(aClient({ client_id: 7 })));
        }),
      ).rejects.toThrow('Wrong key or corrupt data: the data key of client 7 does not open');
    });
  });
});
