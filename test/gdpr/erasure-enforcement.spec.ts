/**
 * Erasure is enforced by the database, not only by the API (issue 21, part 3): each attack is
 * tried in SQL as the role that could make it, through the product's role switch (app_user,
 * then `writer` or `admin` for the transaction, with both keys).
 */
import request from 'supertest';
import { Client } from 'pg';
import { aClient, clientsCsv } from '../support/client-factory';
import { ImportHarness } from '../support/import-harness';
import { loadRetailFixture } from '../support/retail-fixture';
import { bearer } from '../support/role-tokens';
import { canonicalKey, inTransaction, SessionScope, testSecrets } from '../support/test-database';

/** Each attack on a client of its own, erased by its test: one attack's success spoils no other. */
const CLIENT = {
  rewrite: 5,
  adminRewrite: 6,
  key: 7,
  again: 8,
  stray: 9,
  reinstate: 10,
  snapshot: 11,
};
const WRITER: SessionScope = { role: 'writer' };
const ADMIN: SessionScope = { role: 'admin' };
const COMES_BACK_ONLY_THROUGH = /comes back only through smartretail\.reinstate_clients/;
const KEY_REFUSED = /client_keys: client \d+ is erased/;

describe('erasure enforced by the database', () => {
  let h: ImportHarness;
  let owner: Client;
  let app: Client;
  const http = () => request(h.app.getHttpServer());
  const as = <T>(scope: SessionScope, work: () => Promise<T>) =>
    inTransaction(app, { ...scope }, work);
  const erase = (id: number) =>
    http()
      .delete(`/clients/${id}`)
      .set(...bearer('admin', 'dpo@example'))
      .expect(204);
  const tombstone = async (id: number) =>
    (
      await owner.query<{ erased: boolean; personal: number; keys: number }>(
        `SELECT erased_at IS NOT NULL AS erased,
                num_nonnulls(nom, prenom, email, date_naissance, sexe, ville, email_hash, pii_digest) AS personal,
                (SELECT count(*)::int FROM smartretail.client_keys k WHERE k.client_id = c.client_id) AS keys
           FROM clients c WHERE client_id = $1`,
        [id],
      )
    ).rows[0];
  const readable = async (id: number) => {
    const record = await http()
      .get(`/datasets/clients/records/${id}`)
      .set(...bearer('admin'));
    const exported = await http()
      .get(`/clients/${id}/export`)
      .set(...bearer('admin'));
    return [record.status, exported.status];
  };
  const audited = async (action: string) =>
    (
      await owner.query<{ sub: string; role: string; record_ids: number[] }>(
        'SELECT sub, role, record_ids FROM audit_log WHERE action = $1 ORDER BY audit_id',
        [action],
      )
    ).rows;

  beforeAll(async () => {
    h = await ImportHarness.start();
    owner = await h.db.connect('owner');
    app = await h.db.connect('app_user');
    await loadRetailFixture(owner);
  });
  afterAll(async () => {
    await app.end();
    await owner.end();
    await h.stop();
  });

  /** Clearing erased_at and writing the person again in plain SQL, as an attacker would. */
  const REINSTATE_BY_HAND = `UPDATE clients SET erased_at = NULL, nom = convert_to('Back', 'UTF8'),
         prenom = convert_to('Again', 'UTF8'), email = convert_to('back@exemple.fr', 'UTF8')
   WHERE client_id = $1`;

  it('refuses a writer clearing erased_at and writing the person again, and audits nothing', async () => {
    const ERASED = CLIENT.rewrite;
    await erase(ERASED);
    await expect(as(WRITER, () => app.query(REINSTATE_BY_HAND, [ERASED]))).rejects.toThrow(
      COMES_BACK_ONLY_THROUGH,
    );
    await expect(
      as(WRITER, () =>
        app.query('UPDATE clients SET erased_at = NULL WHERE client_id = $1', [ERASED]),
      ),
    ).rejects.toThrow(COMES_BACK_ONLY_THROUGH);
    // Personal columns of a tombstone, erased_at left as it is.
    await expect(
      as(WRITER, () =>
        app.query(`UPDATE clients SET ville = convert_to('Lyon', 'UTF8') WHERE client_id = $1`, [
          ERASED,
        ]),
      ),
    ).rejects.toThrow(/erased subject/);
    expect(await tombstone(ERASED)).toEqual({ erased: true, personal: 0, keys: 0 });
    expect(await readable(ERASED)).toEqual([404, 404]);
    expect(await audited('reinstate')).toEqual([]);
  });

  it('refuses the same reinstatement to admin in plain SQL: the audited function is the one way back', async () => {
    const ERASED = CLIENT.adminRewrite;
    await erase(ERASED);
    await expect(as(ADMIN, () => app.query(REINSTATE_BY_HAND, [ERASED]))).rejects.toThrow(
      COMES_BACK_ONLY_THROUGH,
    );
  });

  it('refuses a data key inserted by a writer for an erased client, so nothing is served again', async () => {
    const ERASED = CLIENT.key;
    await erase(ERASED);
    await expect(
      as(WRITER, () =>
        app.query(
          `INSERT INTO smartretail.client_keys (client_id, wrapped_key, master_key_version)
           VALUES ($1, smartretail.wrap_data_key($1, public.gen_random_bytes(32)), smartretail.encryption_key_version())`,
          [ERASED],
        ),
      ),
    ).rejects.toThrow(KEY_REFUSED);
    // Hidden among the keys of new clients, in one statement, as the importer inserts them.
    await expect(
      as(WRITER, () =>
        app.query(
          `INSERT INTO smartretail.client_keys (client_id, wrapped_key, master_key_version)
           SELECT id, smartretail.wrap_data_key(id, public.gen_random_bytes(32)), smartretail.encryption_key_version()
             FROM unnest(ARRAY[900, $1::int, 901]) AS u(id)`,
          [ERASED],
        ),
      ),
    ).rejects.toThrow(KEY_REFUSED);
    // Nor may anyone move an existing key onto the tombstone (writer may not update keys at all).
    await expect(
      as(ADMIN, () =>
        app.query('UPDATE smartretail.client_keys SET client_id = $1 WHERE client_id = 3', [
          ERASED,
        ]),
      ),
    ).rejects.toThrow(KEY_REFUSED);
    expect(await tombstone(ERASED)).toEqual({ erased: true, personal: 0, keys: 0 });
    expect(await readable(ERASED)).toEqual([404, 404]);
  });

  it('refuses a key planted by a REPEATABLE READ writer whose snapshot predates the erasure', async () => {
    const ERASED = CLIENT.snapshot;
    const s = testSecrets();
    await app.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    try {
      await app.query(
        `SELECT set_config('smartretail.encryption_key', $1, true), set_config('role', 'writer', true)`,
        [canonicalKey(s.encryptionKey)],
      );
      await app.query('SELECT count(*) FROM clients'); // the snapshot: the client alive
      await erase(ERASED);
      await expect(
        app.query(
          `INSERT INTO smartretail.client_keys (client_id, wrapped_key, master_key_version)
           VALUES ($1, smartretail.wrap_data_key($1, public.gen_random_bytes(32)), smartretail.encryption_key_version())`,
          [ERASED],
        ),
      ).rejects.toThrow(/could not serialize access/);
    } finally {
      await app.query('ROLLBACK');
    }
    expect(await tombstone(ERASED)).toEqual({ erased: true, personal: 0, keys: 0 });
  });

  it('destroys a stray key on a second erasure (one restored from a backup, say)', async () => {
    const ERASED = CLIENT.stray;
    await erase(ERASED);
    // Put back under the triggers, as a restore would, to make the key the database now refuses.
    await owner.query('BEGIN');
    await owner.query(`SET LOCAL session_replication_role = replica`);
    await owner.query(
      `INSERT INTO smartretail.client_keys (client_id, wrapped_key, master_key_version)
       SELECT $1, wrapped_key, master_key_version FROM smartretail.client_keys WHERE client_id = 4`,
      [ERASED],
    );
    await owner.query('COMMIT');
    expect((await tombstone(ERASED)).keys).toBe(1);

    await erase(ERASED);
    expect(await tombstone(ERASED)).toEqual({ erased: true, personal: 0, keys: 0 });
  });

  it('reinstates only through reinstate_clients: admin only, audited, for its own transaction alone', async () => {
    const ERASED = CLIENT.reinstate;
    await erase(ERASED);
    await expect(
      as(WRITER, () =>
        app.query(`SELECT smartretail.reinstate_clients($1, gen_random_uuid(), NULL)`, [[ERASED]]),
      ),
    ).rejects.toThrow(/permission denied for function reinstate_clients/);
    await expect(
      as(ADMIN, () =>
        app.query(`SELECT smartretail.reinstate_clients($1, gen_random_uuid(), NULL)`, [[3]]),
      ),
    ).rejects.toThrow(/client_id 3 is not an erased client/);

    // Authorised in one transaction (committed, audited), it authorises nothing in the next.
    await inTransaction(app, ADMIN, async () => {
      await app.query(`SELECT set_config('request.jwt.claims', '{"sub":"dpo@example"}', true)`);
      await app.query(`SELECT smartretail.reinstate_clients($1, gen_random_uuid(), NULL)`, [
        [ERASED],
      ]);
    });
    await expect(
      as(WRITER, () =>
        app.query('UPDATE clients SET erased_at = NULL WHERE client_id = $1', [ERASED]),
      ),
    ).rejects.toThrow(COMES_BACK_ONLY_THROUGH);

    await inTransaction(app, ADMIN, async () => {
      await app.query(`SELECT set_config('request.jwt.claims', '{"sub":"dpo@example"}', true)`);
      await app.query(`SELECT smartretail.reinstate_clients($1, gen_random_uuid(), NULL)`, [
        [ERASED],
      ]);
      await app.query(
        `UPDATE clients SET erased_at = NULL, nom = convert_to('Back', 'UTF8'),
                prenom = convert_to('Again', 'UTF8'), email = convert_to('back@exemple.fr', 'UTF8'),
                date_naissance = convert_to('1990-01-02', 'UTF8'), sexe = convert_to('F', 'UTF8'),
                ville = convert_to('Lyon', 'UTF8')
          WHERE client_id = $1`,
        [ERASED],
      );
    });
    expect(await readable(ERASED)).toEqual([200, 200]);
    expect(await audited('reinstate')).toEqual([
      { sub: 'dpo@example', role: 'admin', record_ids: [ERASED] },
      { sub: 'dpo@example', role: 'admin', record_ids: [ERASED] },
    ]);
  });

  it('reinstates through an admin import with allowReinstate=true, audited under that admin', async () => {
    const again = CLIENT.again;
    await erase(again);
    await http()
      .post('/datasets/clients/imports?allowReinstate=true')
      .set(...bearer('admin', 'dpo@example'))
      .attach('file', Buffer.from(clientsCsv([aClient({ client_id: again })])), 'clients.csv')
      .expect(201);
    expect(await readable(again)).toEqual([200, 200]);
    expect((await audited('reinstate')).at(-1)).toEqual({
      sub: 'dpo@example',
      role: 'admin',
      record_ids: [again],
    });
  });
});
