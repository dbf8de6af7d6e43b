import { Client } from 'pg';
import { loadRetailFixture, manyClients } from '../support/retail-fixture';
import { inTransaction, SessionScope, TestDatabase } from '../support/test-database';

const PERMISSION_DENIED = /permission denied/;
const NON_PERSONAL_VIEWS = [
  'v_magasins_decrypted',
  'v_produits_decrypted',
  'v_cartes_fidelite_decrypted',
  'v_transactions_decrypted',
  'v_details_transactions_decrypted',
  'v_cameras_decrypted',
  'v_capteurs_iot_decrypted',
];

describe('database roles and grants', () => {
  let db: TestDatabase;
  let app: Client;

  beforeAll(async () => {
    db = await TestDatabase.create();
    app = await db.connect('app_user');
    // One row at least in every table, so each allowed read can be checked for what it returns.
    await loadRetailFixture(app, 2);
  });
  afterAll(async () => {
    await app.end();
    await db.drop();
  });

  const as = (scope: SessionScope, sql: string) =>
    inTransaction(app, scope, () => app.query(sql), { commit: false });
  /** What the owner sees in a view: the reference an allowed read must return in full. */
  const ownerRows = (view: string) =>
    db.asOwner(async (c) => (await c.query(`SELECT * FROM ${view} ORDER BY 1`)).rows);
  const firstClient = manyClients(2)[0];

  describe('admin', () => {
    it('reads every decrypted view, clear values included', async () => {
      const { rows } = await as(
        { role: 'admin' },
        'SELECT nom, email FROM v_clients_decrypted ORDER BY client_id',
      );
      expect(rows[0]).toEqual({ nom: firstClient.nom, email: firstClient.email });
      for (const view of NON_PERSONAL_VIEWS) {
        const expected = await ownerRows(view);
        expect(expected.length).toBeGreaterThan(0);
        expect((await as({ role: 'admin' }, `SELECT * FROM ${view} ORDER BY 1`)).rows).toEqual(
          expected,
        );
      }
    });
  });

  describe('writer', () => {
    it('inserts and updates base tables', async () => {
      const updated = await as(
        { role: 'writer' },
        `UPDATE magasins SET region = 'Auvergne' WHERE magasin_id = 1 RETURNING region`,
      );
      expect([updated.rowCount, updated.rows]).toEqual([1, [{ region: 'Auvergne' }]]);
      const inserted = await as(
        { role: 'writer' },
        `INSERT INTO magasins (magasin_id, nom) VALUES (9, 'B') RETURNING magasin_id, nom`,
      );
      expect([inserted.rowCount, inserted.rows]).toEqual([1, [{ magasin_id: 9, nom: 'B' }]]);
    });

    it('reads no decrypted view and no ciphertext column', async () => {
      await expect(as({ role: 'writer' }, 'SELECT * FROM v_clients_decrypted')).rejects.toThrow(
        PERMISSION_DENIED,
      );
      await expect(as({ role: 'writer' }, 'SELECT * FROM v_magasins_decrypted')).rejects.toThrow(
        PERMISSION_DENIED,
      );
      await expect(as({ role: 'writer' }, 'SELECT nom FROM clients')).rejects.toThrow(
        PERMISSION_DENIED,
      );
      await expect(as({ role: 'writer' }, 'SELECT email_hash FROM clients')).rejects.toThrow(
        PERMISSION_DENIED,
      );
      await expect(as({ role: 'writer' }, 'SELECT * FROM v_clients_pseudonymised')).rejects.toThrow(
        PERMISSION_DENIED,
      );
      await expect(as({ role: 'writer' }, 'SELECT * FROM v_clients_countable')).rejects.toThrow(
        PERMISSION_DENIED,
      );
    });

    it('cannot delete', async () => {
      await expect(as({ role: 'writer' }, 'DELETE FROM magasins')).rejects.toThrow(
        PERMISSION_DENIED,
      );
    });
  });

  describe('analyst', () => {
    it('reads non-personal data in clear and clients only pseudonymised', async () => {
      for (const view of NON_PERSONAL_VIEWS) {
        const expected = await ownerRows(view);
        expect(expected.length).toBeGreaterThan(0);
        expect((await as({ role: 'analyst' }, `SELECT * FROM ${view} ORDER BY 1`)).rows).toEqual(
          expected,
        );
      }
      const { rows, fields } = await as(
        { role: 'analyst', keys: 'encryption-only' },
        'SELECT * FROM v_clients_pseudonymised ORDER BY client_id',
      );
      expect(fields.map((f) => f.name)).toEqual([
        'client_id',
        'annee_naissance',
        'sexe',
        'ville',
        'date_inscription',
      ]);
      expect(rows).toHaveLength(2);
      expect(rows[0]).toMatchObject({
        client_id: 1,
        annee_naissance: Number(firstClient.date_naissance!.slice(0, 4)),
        sexe: firstClient.sexe,
      });
    });

    it('cannot read clear identifying data, base tables, or write', async () => {
      await expect(as({ role: 'analyst' }, 'SELECT * FROM v_clients_decrypted')).rejects.toThrow(
        PERMISSION_DENIED,
      );
      await expect(as({ role: 'analyst' }, 'SELECT * FROM clients')).rejects.toThrow(
        PERMISSION_DENIED,
      );
      await expect(as({ role: 'analyst' }, 'SELECT * FROM magasins')).rejects.toThrow(
        PERMISSION_DENIED,
      );
      await expect(
        as({ role: 'analyst' }, `INSERT INTO magasins (magasin_id, nom) VALUES (3, 'C')`),
      ).rejects.toThrow(PERMISSION_DENIED);
    });
  });

  describe('app_user', () => {
    it('logs in but holds no data privilege of its own (not even the schema)', async () => {
      for (const relation of ['v_clients_decrypted', 'magasins', 'v_magasins_decrypted']) {
        await expect(as({}, `SELECT * FROM public.${relation}`)).rejects.toThrow(
          /permission denied for schema public/,
        );
        const { rows } = await as(
          {},
          `SELECT has_table_privilege(oid, 'SELECT') AS allowed FROM pg_class WHERE relname = '${relation}'`,
        );
        expect(rows[0].allowed).toBe(false);
      }
    });

    it('switches only to the three service roles', async () => {
      await expect(as({}, 'SET LOCAL ROLE grafana')).rejects.toThrow(PERMISSION_DENIED);
      await expect(as({}, 'SET LOCAL ROLE postgres')).rejects.toThrow(PERMISSION_DENIED);
    });
  });

  describe('grafana', () => {
    it('logs in and reads no retail table or personal view', async () => {
      const grafana = await db.connect('grafana');
      try {
        for (const relation of [
          'clients',
          'magasins',
          'v_clients_decrypted',
          'v_clients_pseudonymised',
          'v_clients_countable',
          ...NON_PERSONAL_VIEWS,
        ]) {
          await expect(grafana.query(`SELECT * FROM ${relation}`)).rejects.toThrow(
            PERMISSION_DENIED,
          );
        }
      } finally {
        await grafana.end();
      }
    });
  });

  describe('PUBLIC', () => {
    it('gets nothing on the database, the schemas, the relations or the functions', async () => {
      const grants = await db.asOwner(async (owner) => {
        const { rows } = await owner.query(`
          SELECT 'database' AS kind, datname::text AS name FROM pg_database, aclexplode(datacl) a
            WHERE datname = current_database() AND a.grantee = 0
          UNION ALL
          SELECT 'schema', nspname::text FROM pg_namespace, aclexplode(nspacl) a
            WHERE nspname IN ('public', 'smartretail') AND a.grantee = 0
          UNION ALL
          SELECT 'relation', relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace,
                 aclexplode(coalesce(relacl, acldefault('r', relowner))) a
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v') AND a.grantee = 0
          UNION ALL
          SELECT 'function', proname::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace,
                 aclexplode(coalesce(proacl, acldefault('f', proowner))) a
            WHERE n.nspname IN ('public', 'smartretail') AND a.grantee = 0`);
        return rows;
      });
      expect(grants).toEqual([]);
    });
  });
});
