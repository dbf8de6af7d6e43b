import { Client } from 'pg';
import { datasetCatalog } from '../../src/catalog/dataset-catalog';
import { recordVisibility } from '../../src/catalog/record-visibility';
import type { DatabaseRole } from '../../src/auth/database-role';
import { parseRecordQuery } from '../../src/datasets/record-query';
import { pageSql } from '../../src/datasets/record-sql';
import { inTransaction, TestDatabase } from '../support/test-database';

const CLIENTS = 20_000;
const LIMIT = 100;

interface PlanNode {
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  Plans?: PlanNode[];
}
const nodes = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodes)];

/**
 * A keyset page costs the same at the end of a listing as at its start: the data keys of a page
 * are looked up, not read from the first client's key onwards (a merge join did that, so paging
 * through every client read a number of keys quadratic in their count). Counted from the plan
 * PostgreSQL ran for the repository's own SQL, on a table large enough for the planner to care.
 */
describe('keyset pages of clients read the data keys of their rows only', () => {
  let db: TestDatabase;
  let client: Client;

  beforeAll(async () => {
    db = await TestDatabase.create();
    client = await db.connect('app_user');
    await inTransaction(client, { role: 'admin' }, () =>
      client.query(
        `INSERT INTO clients (client_id, nom, prenom, email, date_inscription)
         SELECT g, convert_to('Nom ' || g, 'UTF8'), convert_to('Prenom', 'UTF8'),
                convert_to('c' || g || '@exemple.fr', 'UTF8'), DATE '2020-01-01' + g % 1500
           FROM generate_series(1, $1::int) g`,
        [CLIENTS],
      ),
    );
    await db.asOwner((owner) => owner.query('ANALYZE clients; ANALYZE smartretail.client_keys'));
  });
  afterAll(async () => {
    await client.end();
    await db.drop();
  });

  /** Rows of client_keys the page's plan read, over all loops. */
  async function keysRead(
    role: DatabaseRole,
    params: Record<string, string>,
    after: { id: number; key?: string },
  ): Promise<{ keys: number; items: number }> {
    const spec = datasetCatalog.get('clients');
    const source = {
      spec,
      view: recordVisibility.viewFor(spec, role)!,
      columns: recordVisibility.visibleColumns(spec, role),
    };
    const query = parseRecordQuery(spec, role, { ...params, limit: String(LIMIT) });
    if ('problem' in query) throw new Error(String(query.problem));
    const { text, values } = pageSql(source, { ...query, after });
    return inTransaction(client, { role }, async () => {
      const plan = await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, values);
      const root = (plan.rows[0]['QUERY PLAN'] as { Plan: PlanNode }[])[0].Plan;
      const page = await client.query<{ ids: number[] }>(text, values);
      const keys = nodes(root)
        .filter((n) => n['Relation Name'] === 'client_keys')
        .reduce((sum, n) => sum + n['Actual Rows'] * n['Actual Loops'], 0);
      return { keys, items: page.rows[0].ids.length };
    });
  }

  it.each([
    ['admin', 'by id', {}, { id: 15_000 }],
    ['analyst', 'by id', {}, { id: 15_000 }],
    [
      'admin',
      'newest first',
      { order: 'date_inscription.desc' },
      { id: 10_000, key: '2022-02-01' },
    ],
  ] as const)('%s, %s, far into the listing', async (role, _order, params, after) => {
    const read = await keysRead(role, params, after);
    expect(read.items).toBe(LIMIT);
    // The page, plus the rest of the last date's rows, which an incremental sort reads whole.
    expect(read.keys).toBeLessThanOrEqual(2 * LIMIT);
  });
});
