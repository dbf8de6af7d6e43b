import { Client } from 'pg';
import { inTransaction, TestDatabase } from '../support/test-database';

const ROWS = 20_000;

/**
 * The foreign-key checks of an import look each parent up by its primary key, even right after
 * an ANALYZE ran while the parents were still being loaded (it records 0 rows for a table of many
 * pages, until the next autovacuum). With an index on (date, key) beside the primary key,
 * PostgreSQL 18 then preferred a skip scan of that index, one per date, for every check: an
 * import of transactions after a large client load took minutes. Checked on the plan of the
 * query PostgreSQL's foreign-key triggers run, as a prepared generic plan (as they cache it).
 */
describe('foreign-key checks after statistics taken during a load', () => {
  let db: TestDatabase;
  let client: Client;
  let owner: Client;

  beforeAll(async () => {
    db = await TestDatabase.create();
    client = await db.connect('app_user');
    owner = await db.connect('owner');
  });
  afterAll(async () => {
    await client.end();
    await owner.end();
    await db.drop();
  });

  /** Loads rows in one transaction and ANALYZEs the table from another before it commits. */
  async function loadWhileAnalysed(table: string, insert: string): Promise<void> {
    await inTransaction(client, { role: 'admin' }, async () => {
      await client.query(insert, [ROWS]);
      await owner.query(`ANALYZE ${table}`);
    });
    const { rows } = await owner.query<{ relpages: number; reltuples: number }>(
      `SELECT relpages, reltuples FROM pg_class WHERE oid = $1::regclass`,
      [table],
    );
    // The statistics this is about: many pages, no rows.
    expect(rows[0].relpages).toBeGreaterThan(10);
    expect(rows[0].reltuples).toBe(0);
  }

  async function checkPlan(table: string, key: string): Promise<string> {
    await owner.query('BEGIN');
    try {
      await owner.query('SET LOCAL plan_cache_mode = force_generic_plan');
      await owner.query(
        `PREPARE fk_check(int) AS SELECT 1 FROM ONLY public.${table} x
          WHERE ${key} OPERATOR(pg_catalog.=) $1 FOR KEY SHARE OF x`,
      );
      const { rows } = await owner.query<{ 'QUERY PLAN': string }>('EXPLAIN EXECUTE fk_check(7)');
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    } finally {
      await owner.query('ROLLBACK');
      await owner.query('DEALLOCATE ALL');
    }
  }

  it('look clients up by clients_pkey', async () => {
    await loadWhileAnalysed(
      'clients',
      `INSERT INTO clients (client_id, nom, prenom, email, date_inscription)
       SELECT g, convert_to('Nom ' || g, 'UTF8'), convert_to('Prenom', 'UTF8'),
              convert_to('c' || g || '@exemple.fr', 'UTF8'), DATE '2020-01-01' + g % 1500
         FROM generate_series(1, $1::int) g`,
    );
    expect(await checkPlan('clients', 'client_id')).toMatch(/Index Scan using clients_pkey/);
  });

  it('look transactions up by transactions_pkey', async () => {
    await owner.query(`INSERT INTO magasins (magasin_id, nom, ville) VALUES (1, 'Centre', 'Lyon')`);
    await loadWhileAnalysed(
      'transactions',
      `INSERT INTO transactions (transaction_id, client_id, magasin_id, date_achat, montant_total)
       SELECT g, 1 + g % 1000, 1, DATE '2023-01-01' + g % 700, 10 FROM generate_series(1, $1::int) g`,
    );
    expect(await checkPlan('transactions', 'transaction_id')).toMatch(
      /Index Scan using transactions_pkey/,
    );
  });
});
