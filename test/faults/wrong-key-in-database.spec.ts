/**
 * "A wrong encryption key must never write data", in the database itself: whoever writes (the
 * service, a person in psql, the owner), a transaction whose key does not match the key check
 * value writes nothing, an e-mail lookup fails instead of finding nothing, and the check values
 * are MACs that no application role can read.
 */
import { createHmac } from 'node:crypto';
import { Client } from 'pg';
import { datasetCatalog } from '../../src/catalog/dataset-catalog';
import { recordVisibility } from '../../src/catalog/record-visibility';
import { parseRecordQuery } from '../../src/datasets/record-query';
import { pageSql } from '../../src/datasets/record-sql';
import { aClient, CLIENT_INSERT, clientParams } from '../support/client-factory';
import {
  aWrongKey,
  checkValues,
  countClients,
  databaseWithoutCheckValues,
  inPsqlSession,
  keyForms,
} from '../support/key-check-fixtures';
import { insertClients, manyClients } from '../support/retail-fixture';
import { canonicalKey, inTransaction, TestDatabase, testSecrets } from '../support/test-database';

const WRONG_KEY_WRITE =
  /the encryption key of this transaction does not match this database's key; nothing was written/;
const WRONG_BLIND_KEY_WRITE =
  /the blind-index key of this transaction does not match this database's key; nothing was written/;

describe('a wrong key in the database', () => {
  const databases: TestDatabase[] = [];
  const track = async (db: Promise<TestDatabase>) => {
    databases.push(await db);
    return databases[databases.length - 1];
  };
  afterAll(async () => {
    for (const db of databases) await db.drop();
  });

  describe('for whoever writes, a person in psql included', () => {
    let db: TestDatabase;
    let app: Client;
    beforeAll(async () => {
      db = await track(TestDatabase.create());
      app = await db.connect('app_user');
      await db.asOwner((c) => insertClients(c, manyClients(5)));
    });
    afterAll(() => app.end());

    it('refuses an insert under another encryption key and writes nothing; the right key writes', async () => {
      const row = aClient({ client_id: 100 });
      const before = await countClients(db);
      await expect(
        inPsqlSession(
          app,
          { role: 'writer', encryptionKey: aWrongKey() },
          CLIENT_INSERT,
          clientParams(row),
        ),
      ).rejects.toThrow(WRONG_KEY_WRITE);
      expect(await countClients(db)).toBe(before);

      await inPsqlSession(app, { role: 'writer' }, CLIENT_INSERT, clientParams(row));
      const rows = await inPsqlSession(
        app,
        { role: 'admin' },
        'SELECT nom, email FROM v_clients_decrypted WHERE client_id = 100',
      );
      expect(rows).toEqual([{ nom: row.nom, email: row.email }]);
    });

    it('refuses an update under another blind-index key, and changes nothing', async () => {
      const before = await db.asOwner(
        async (c) =>
          (await c.query('SELECT email, email_hash FROM clients WHERE client_id = 1')).rows[0],
      );
      await expect(
        inPsqlSession(
          app,
          { role: 'admin', blindIndexKey: aWrongKey() },
          `UPDATE clients SET email = convert_to('autre@exemple.fr', 'UTF8') WHERE client_id = 1`,
        ),
      ).rejects.toThrow(WRONG_BLIND_KEY_WRITE);
      const after = await db.asOwner(
        async (c) =>
          (await c.query('SELECT email, email_hash FROM clients WHERE client_id = 1')).rows[0],
      );
      expect(after).toEqual(before);
    });

    it("refuses the owner's own write under another key too", async () => {
      const before = await countClients(db);
      const owner = await db.connect('owner');
      try {
        await expect(
          inPsqlSession(
            owner,
            { encryptionKey: aWrongKey() },
            CLIENT_INSERT,
            clientParams(aClient({ client_id: 101 })),
          ),
        ).rejects.toThrow(WRONG_KEY_WRITE);
      } finally {
        await owner.end();
      }
      expect(await countClients(db)).toBe(before);
    });

    it('refuses an update of non-personal columns under a wrong key, yet runs it with no key at all', async () => {
      const inscription = () =>
        db.asOwner(
          async (c) =>
            (await c.query(`SELECT date_inscription::text AS d FROM clients WHERE client_id = 2`))
              .rows[0].d as string,
        );
      const before = await inscription();
      const update = `UPDATE clients SET date_inscription = '2025-01-02' WHERE client_id = 2`;
      await expect(
        inPsqlSession(app, { role: 'writer', encryptionKey: aWrongKey() }, update),
      ).rejects.toThrow(WRONG_KEY_WRITE);
      expect(await inscription()).toBe(before);
      // No key is no claim: such an update needs none, as before key check values existed.
      await inTransaction(app, { role: 'writer', keys: 'none' }, () => app.query(update));
      expect(await inscription()).toBe('2025-01-02');
    });

    it('refuses a keyed write before any key is enrolled', async () => {
      const legacy = await track(databaseWithoutCheckValues(0));
      await expect(
        legacy.asOwner((c) =>
          inPsqlSession(c, {}, CLIENT_INSERT, clientParams(aClient({ client_id: 1 }))),
        ),
      ).rejects.toThrow(/has no check value for the encryption key yet.*nothing was written/);
      expect(await countClients(legacy)).toBe(0);
    });

    it('fails an e-mail lookup under another blind-index key instead of finding nothing', async () => {
      const spec = datasetCatalog.get('clients');
      const source = {
        spec,
        view: recordVisibility.viewFor(spec, 'admin')!,
        columns: recordVisibility.visibleColumns(spec, 'admin'),
      };
      const { text, values } = pageSql(
        source,
        parseRecordQuery(spec, 'admin', { email: manyClients(1, 3)[0].email }),
      );
      expect(await inPsqlSession(app, { role: 'admin' }, text, values)).toHaveLength(1);
      await expect(
        inPsqlSession(app, { role: 'admin', blindIndexKey: aWrongKey() }, text, values),
      ).rejects.toThrow(
        /the blind-index key of this transaction does not match this database's key; the e-mail lookup was not run/,
      );
    });
  });

  describe('the key check values', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await track(TestDatabase.create());
    });

    it('are HMAC-SHA256 of a fixed label under each key: neither the key nor anything containing it', async () => {
      const s = testSecrets();
      const stored = await checkValues(db);
      for (const [name, secret] of [
        ['encryption', s.encryptionKey],
        ['blind_index', s.blindIndexKey],
      ] as const) {
        const label = `smartretail key check value: ${name}`;
        expect(stored[name]).toEqual(
          createHmac('sha256', canonicalKey(secret)).update(label).digest(),
        );
        for (const form of keyForms(secret)) {
          expect(stored[name].includes(form)).toBe(false);
          expect(stored[name].toString('hex')).not.toContain(form.toString('hex'));
        }
      }
    });

    it('are readable by no application role, only through the owner', async () => {
      expect(Object.keys(await checkValues(db)).sort()).toEqual(['blind_index', 'encryption']);
      const app = await db.connect('app_user');
      const grafana = await db.connect('grafana');
      try {
        const read = 'SELECT * FROM smartretail.key_check_values';
        await expect(app.query(read)).rejects.toThrow(/permission denied/);
        await expect(grafana.query(read)).rejects.toThrow(/permission denied/);
        for (const role of ['admin', 'writer', 'analyst'] as const) {
          await expect(
            inTransaction(app, { role }, () => app.query(read), { commit: false }),
          ).rejects.toThrow(/permission denied/);
        }
      } finally {
        await app.end();
        await grafana.end();
      }
    });

    it('are checked only through SECURITY DEFINER functions with a pinned search_path, granted to the roles holding keys', async () => {
      const { rows } = await db.asOwner((c) =>
        c.query<{ fn: string; definer: boolean; config: string[] | null; roles: string[] }>(`
          SELECT p.proname AS fn, p.prosecdef AS definer, p.proconfig AS config,
                 array(SELECT r FROM unnest(ARRAY['admin', 'writer', 'analyst', 'app_user', 'grafana']) r
                        WHERE has_function_privilege(r, p.oid, 'EXECUTE') ORDER BY r) AS roles
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'smartretail'
             AND p.proname IN ('session_key_status', 'assert_session_keys', 'enrol_or_verify_session_keys')
           ORDER BY p.proname`),
      );
      expect(rows).toEqual([
        {
          fn: 'assert_session_keys',
          definer: true,
          config: ['search_path=pg_catalog, pg_temp'],
          roles: ['admin', 'writer'],
        },
        {
          fn: 'enrol_or_verify_session_keys',
          definer: true,
          config: ['search_path=pg_catalog, pg_temp'],
          roles: ['admin'],
        },
        {
          fn: 'session_key_status',
          definer: true,
          config: ['search_path=pg_catalog, pg_temp'],
          roles: ['admin', 'analyst', 'writer'],
        },
      ]);
    });
  });
});
