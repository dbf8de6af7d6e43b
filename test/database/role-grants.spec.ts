import { Client } from 'pg';
import { aClient, CLIENT_INSERT, clientParams } from '../support/client-factory';
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
    await inTransaction(app, { role: 'writer' }, async () => {
      await app.query(CLIENT_INSERT, clientParams(aClient({ client_id: 1 })));
      await app.query(`INSERT INTO magasins (magasin_id, nom) VALUES (1, 'Magasin Lyon')`);
    });
  });
  afterAll(async () => {
    await app.end();
    await db.drop();
  });

  const as = (scope: SessionScope, sql: string) =>
    inTransaction(app, scope, () => app.query(sql), { commit: false });

  describe('admin', () => {
    it('reads every decrypted view, clear values included', async () => {
      const { rows } = await as({ role: 'admin' }, 'SELECT nom, email FROM v_clients_decrypted');
      expect(rows[0].nom).toBe(aClient({ client_id: 1 }).nom);
      for (const view of NON_PERSONAL_VIEWS)
        await expect(as({ role: 'admin' }, `SELECT * FROM ${view}`)).resolves.toBeDefined();
    });
  });

  describe('writer', () => {
    it('inserts and updates base tables', async () => {
      await expect(
        as({ role: 'writer' }, `UPDATE magasins SET region = 'Auvergne' WHERE magasin_id = 1`),
      ).resolves.toBeDefined();
      await expect(
        as({ role: 'writer' }, `INSERT INTO magasins (magasin_id, nom) VALUES (2, 'B')`),
      ).resolves.toBeDefined();
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
    });

    it('cannot delete', async () => {
      await expect(as({ role: 'writer' }, 'DELETE FROM magasins')).rejects.toThrow(
        PERMISSION_DENIED,
      );
    });
  });

  describe('analyst', () => {
    it('reads non-personal data in clear and clients only pseudonymised', async () => {
      for (const view of NON_PERSONAL_VIEWS)
        await expect(as({ role: 'analyst' }, `SELECT * FROM ${view}`)).resolves.toBeDefined();
      const { rows, fields } = await as(
        { role: 'analyst' },
        'SELECT * FROM v_clients_pseudonymised',
      );
      expect(fields.map((f) => f.name)).toEqual([
        'client_id',
        'annee_naissance',
        'sexe',
        'ville',
        'date_inscription',
      ]);
      expect(rows[0].annee_naissance).toBe(1987);
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
