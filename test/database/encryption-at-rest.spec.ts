import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import {
  aClient,
  CLIENT_INSERT,
  clientParams,
  PERSONAL_CLIENT_COLUMNS,
} from '../support/client-factory';
import {
  openSealedValue,
  opens,
  SEALED_HEADER,
  sealedLength,
  sealValue,
  unwrapDataKey,
} from '../support/sealed-value';
import { canonicalKey, inTransaction, TestDatabase, testSecrets } from '../support/test-database';

describe('encryption at rest of personal client data', () => {
  let db: TestDatabase;
  let client: Client;

  beforeAll(async () => {
    db = await TestDatabase.create();
    client = await db.connect('app_user');
  });
  afterAll(async () => {
    await client.end();
    await db.drop();
  });

  const insert = (row = aClient()) =>
    inTransaction(client, { role: 'writer' }, () => client.query(CLIENT_INSERT, clientParams(row)));

  const decrypted = (id: number) =>
    inTransaction(client, { role: 'admin' }, async () => {
      const { rows } = await client.query(
        `SELECT client_id, nom, prenom, email, to_char(date_naissance, 'YYYY-MM-DD') AS date_naissance,
                pg_typeof(date_naissance)::text AS birth_type, sexe, ville
           FROM v_clients_decrypted WHERE client_id = $1`,
        [id],
      );
      return rows[0];
    });

  const stored = (id: number) =>
    db.asOwner(
      async (owner) =>
        (await owner.query('SELECT * FROM clients WHERE client_id = $1', [id])).rows[0],
    );

  it('stores every personal column as a sealed value that contains no plaintext', async () => {
    // Values of 4+ bytes, so "contains the plaintext" cannot happen by chance in random bytes.
    const row = aClient({ client_id: 1, sexe: 'Autre' });
    await insert(row);
    const raw = await stored(1);
    const dataKey = await db.asOwner(async (owner) => {
      const { rows } = await owner.query<{ wrapped_key: Buffer }>(
        'SELECT wrapped_key FROM smartretail.client_keys WHERE client_id = 1',
      );
      return unwrapDataKey(rows[0].wrapped_key, canonicalKey(testSecrets().encryptionKey), 1);
    });
    for (const column of PERSONAL_CLIENT_COLUMNS) {
      const bytes = raw[column] as Buffer;
      const clear = String(row[column]);
      expect(bytes.includes(Buffer.from(clear, 'utf8'))).toBe(false);
      expect(bytes.subarray(0, 4)).toEqual(SEALED_HEADER);
      expect(bytes).toHaveLength(sealedLength(clear));
      // Opened by an implementation of the format apart from the database's, under its column.
      expect(openSealedValue(bytes, dataKey, 1, column)).toBe(clear);
      expect(opens(bytes, dataKey, 1, column === 'nom' ? 'prenom' : 'nom')).toBe(false);
      expect(opens(bytes, dataKey, 2, column)).toBe(false);
    }
  });

  it('decrypts through v_clients_decrypted to the original values, with real types', async () => {
    const row = aClient({ client_id: 2 });
    await insert(row);
    const view = await decrypted(2);
    expect(view).toMatchObject({
      nom: row.nom,
      prenom: row.prenom,
      email: row.email,
      date_naissance: row.date_naissance,
      sexe: row.sexe,
      ville: row.ville,
    });
    expect(view.birth_type).toBe('date');
  });

  it('encrypts the same value differently each time (salted, random IV)', async () => {
    await insert(aClient({ client_id: 3, nom: 'Martin' }));
    await insert(aClient({ client_id: 4, nom: 'Martin' }));
    const [a, b] = [await stored(3), await stored(4)];
    expect((a.nom as Buffer).equals(b.nom as Buffer)).toBe(false);
  });

  it('leaves personal columns intact when only a non-personal column is updated, even without a key', async () => {
    const row = aClient({ client_id: 5 });
    await insert(row);
    const before = await stored(5);
    await inTransaction(client, { role: 'writer', keys: 'none' }, () =>
      client.query(`UPDATE clients SET date_inscription = '2025-01-02' WHERE client_id = 5`),
    );
    const after = await stored(5);
    for (const column of PERSONAL_CLIENT_COLUMNS) {
      expect((after[column] as Buffer).equals(before[column] as Buffer)).toBe(true);
    }
    expect(await decrypted(5)).toMatchObject({ nom: row.nom, email: row.email });
  });

  it('re-encrypts only the personal column that an update changes', async () => {
    const row = aClient({ client_id: 6 });
    await insert(row);
    const before = await stored(6);
    await inTransaction(client, { role: 'writer' }, () =>
      client.query(`UPDATE clients SET ville = convert_to('Besançon', 'UTF8') WHERE client_id = 6`),
    );
    const after = await stored(6);
    expect((after.nom as Buffer).equals(before.nom as Buffer)).toBe(true);
    expect((after.ville as Buffer).equals(before.ville as Buffer)).toBe(false);
    expect(await decrypted(6)).toMatchObject({ nom: row.nom, ville: 'Besançon' });
  });

  it('never double-encrypts an upsert that hits an existing row', async () => {
    await insert(aClient({ client_id: 7 }));
    const edited = aClient({ client_id: 7, nom: 'Nouveau', email: 'nouveau@exemple.fr' });
    await inTransaction(client, { role: 'admin' }, () =>
      client.query(
        `${CLIENT_INSERT}
         ON CONFLICT (client_id) DO UPDATE SET nom = EXCLUDED.nom, prenom = EXCLUDED.prenom,
           email = EXCLUDED.email, date_naissance = EXCLUDED.date_naissance, sexe = EXCLUDED.sexe,
           ville = EXCLUDED.ville, date_inscription = EXCLUDED.date_inscription`,
        clientParams(edited),
      ),
    );
    expect(await decrypted(7)).toMatchObject({
      nom: 'Nouveau',
      email: 'nouveau@exemple.fr',
      ville: edited.ville,
    });
  });

  it('refuses to write a personal column without a key, and stores nothing', async () => {
    await expect(
      inTransaction(client, { role: 'writer', keys: 'none' }, () =>
        client.query(CLIENT_INSERT, clientParams(aClient({ client_id: 8 }))),
      ),
    ).rejects.toThrow(/no encryption key in this transaction/);
    expect(await stored(8)).toBeUndefined();
  });

  it('refuses to read the decrypted view without a key', async () => {
    await insert(aClient({ client_id: 9 }));
    await expect(
      inTransaction(client, { role: 'admin', keys: 'none' }, () =>
        client.query('SELECT nom FROM v_clients_decrypted WHERE client_id = 9'),
      ),
    ).rejects.toThrow(/no encryption key/);
  });

  it('refuses ciphertext made under another key instead of storing undecryptable data', async () => {
    await expect(
      inTransaction(client, { role: 'writer' }, () =>
        client.query(
          `INSERT INTO clients (client_id, nom, prenom, email)
           VALUES (10, $1, convert_to('Y', 'UTF8'), convert_to('y@exemple.fr', 'UTF8'))`,
          [sealValue('X', randomBytes(32), 10, 'nom')],
        ),
      ),
    ).rejects.toThrow(/Wrong key or corrupt data/);
  });

  it('validates personal values before encrypting, without echoing them', async () => {
    const badDate = aClient({ client_id: 11, date_naissance: '1987-02-30' });
    await expect(insert(badDate)).rejects.toThrow(
      'clients.date_naissance must be a valid date written YYYY-MM-DD',
    );
    const badSex = aClient({ client_id: 12, sexe: 'Z' });
    await expect(insert(badSex)).rejects.toThrow('clients.sexe must be one of H, F, Autre');
    const badEmail = aClient({ client_id: 13, email: 'pas-une-adresse' });
    await expect(insert(badEmail)).rejects.toThrow(/^clients\.email must be an e-mail address$/);
  });

  it('keeps the blind index of the normalised e-mail in step with the e-mail', async () => {
    await insert(aClient({ client_id: 14, email: 'Jean.Dupont@Exemple.FR' }));
    const hashFor = (email: string) =>
      inTransaction(client, { role: 'admin' }, async () => {
        const { rows } = await client.query('SELECT smartretail.blind_index($1) AS h', [email]);
        return rows[0].h as Buffer;
      });
    const raw = await stored(14);
    expect((raw.email_hash as Buffer).equals(await hashFor('  jean.dupont@exemple.fr '))).toBe(
      true,
    );
    await inTransaction(client, { role: 'writer' }, () =>
      client.query(
        `UPDATE clients SET email = convert_to('autre@exemple.fr', 'UTF8') WHERE client_id = 14`,
      ),
    );
    expect(
      ((await stored(14)).email_hash as Buffer).equals(await hashFor('autre@exemple.fr')),
    ).toBe(true);
  });
});
