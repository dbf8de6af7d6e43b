/**
 * Keys only where needed: the service sets the encryption and blind-index keys only in the
 * transactions whose SQL uses them, and analyst cannot call the blind-index key function at all.
 */
import { KPI_DEFINITIONS, KPI_NAMES } from '../../src/kpis/kpi-definitions';
import { RoleScopedTransactions, SessionKeys } from '../../src/database/role-scoped-transactions';
import type { DatabaseRole } from '../../src/auth/database-role';
import { loadRetailFixture } from '../support/retail-fixture';
import { openSingleConnectionTransactions } from '../../src/database/single-connection-transactions';
import { TestDatabase } from '../support/test-database';

const PERMISSION_DENIED = expect.objectContaining({ code: '42501' });
const NO_ENCRYPTION_KEY = expect.objectContaining({ code: 'SRK01' });

describe('per-transaction keys', () => {
  let db: TestDatabase;
  let tx: RoleScopedTransactions;
  let close: () => Promise<void>;

  beforeAll(async () => {
    db = await TestDatabase.create();
    const config = await db.migrate();
    await db.asOwner((c) => loadRetailFixture(c, 3));
    ({ transactions: tx, close } = await openSingleConnectionTransactions(
      config,
      'smartretail-test',
    ));
  });
  afterAll(async () => {
    await close();
    await db.drop();
  });

  const keysIn = (role: DatabaseRole, keys?: SessionKeys) =>
    tx.run({ role, readOnly: true, keys }, async (c) => {
      const { rows } = await c.query<{ enc: string; blind: string }>(
        `SELECT current_setting('smartretail.encryption_key', true) <> '' AS enc,
                current_setting('smartretail.blind_index_key', true) <> '' AS blind`,
      );
      return rows[0];
    });

  it.each([
    ['admin', undefined, { enc: true, blind: true }],
    ['writer', undefined, { enc: true, blind: true }],
    ['analyst', undefined, { enc: false, blind: false }],
    ['analyst', 'encryption', { enc: true, blind: false }],
    ['admin', 'none', { enc: false, blind: false }],
  ] as const)('gives %s (keys: %s) %j', async (role, keys, expected) => {
    expect(await keysIn(role, keys)).toEqual(expected);
  });

  it.each(KPI_NAMES)('the %s KPI reads as analyst without any key', async (name) => {
    const { rows } = await tx.run({ role: 'analyst', readOnly: true }, (c) =>
      c.query(KPI_DEFINITIONS[name].sql, [null, null, null, 1000]),
    );
    expect(rows.length).toBeGreaterThan(0);
  });

  it('analyst reads the pseudonymised clients only with the encryption key in its transaction', async () => {
    const read = (keys?: SessionKeys) =>
      tx.run({ role: 'analyst', readOnly: true, keys }, (c) =>
        c.query('SELECT annee_naissance, sexe, ville FROM v_clients_pseudonymised'),
      );
    await expect(read()).rejects.toEqual(NO_ENCRYPTION_KEY);
    expect((await read('encryption')).rows).toHaveLength(3);
  });

  it('analyst may not call blind_index_key(), even with the key in its transaction', async () => {
    await expect(
      tx.run({ role: 'analyst', readOnly: true, keys: 'all' }, (c) =>
        c.query('SELECT smartretail.blind_index_key()'),
      ),
    ).rejects.toEqual(PERMISSION_DENIED);
    const admin = await tx.run({ role: 'admin', readOnly: true }, (c) =>
      c.query<{ ok: boolean }>(`SELECT smartretail.blind_index_key() <> '' AS ok`),
    );
    expect(admin.rows[0].ok).toBe(true);
  });

  it('analyst keeps EXECUTE on encryption_key(): its view runs as owner, yet PostgreSQL checks the functions it calls as the reader', async () => {
    const options = await db.asOwner(
      async (c) =>
        (
          await c.query<{ reloptions: string[] | null }>(
            `SELECT reloptions FROM pg_class WHERE relname = 'v_clients_pseudonymised'`,
          )
        ).rows[0].reloptions,
    );
    expect(options ?? []).not.toContain('security_invoker=true');
    const grant = (sql: string) => db.asOwner((c) => c.query(sql));
    await grant('REVOKE EXECUTE ON FUNCTION smartretail.encryption_key() FROM analyst');
    try {
      await expect(
        tx.run({ role: 'analyst', readOnly: true, keys: 'encryption' }, (c) =>
          c.query('SELECT sexe FROM v_clients_pseudonymised'),
        ),
      ).rejects.toEqual(PERMISSION_DENIED);
    } finally {
      await grant('GRANT EXECUTE ON FUNCTION smartretail.encryption_key() TO analyst');
    }
  });
});
