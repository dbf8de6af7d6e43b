import type { Client } from 'pg';
import { datasetCatalog } from '../../src/catalog/dataset-catalog';
import type { DatasetName } from '../../src/catalog/dataset.types';
import {
  allKeysNewSql,
  createDataKeysSql,
  createStagingSql,
  insertAllStagedSql,
  insertNewRowsSql,
  STAGING_TABLE,
} from '../../src/imports/engine/dataset-merge-sql';
import { inTransaction, TestDatabase } from '../support/test-database';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

const scannedRelations = (node: PlanNode): string[] => [
  ...(node['Node Type'] !== 'ModifyTable' && node['Relation Name'] ? [node['Relation Name']] : []),
  ...(node.Plans ?? []).flatMap(scannedRelations),
];

/**
 * An INSERT that reads the table it writes to while it writes can turn quadratic: when that
 * table looks empty to the planner (emptied, then analysed), the anti-join becomes a nested loop
 * scanning it once per staged row, and every scan reads the rows inserted so far. The benchmark
 * found it (200,000 clients into an emptied table: past 20 minutes). So no INSERT of the merge
 * reads its own target: the new keys are found before, in a statement that writes nothing there.
 */
describe('the merge never reads the table it is inserting into', () => {
  let db: TestDatabase;
  let owner: Client;
  beforeAll(async () => {
    db = await TestDatabase.create();
    owner = await db.connect('owner');
    // The condition that made the planner bet on an empty table: analysed while empty.
    await owner.query(
      'ANALYZE clients; ANALYZE details_transactions; ANALYZE smartretail.client_keys',
    );
  });
  afterAll(async () => {
    await owner.end();
    await db.drop();
  });

  /** Plans the last statement after running the ones before it, on a staged file of `dataset`. */
  async function insertPlan(dataset: DatasetName, statements: string[]): Promise<string[]> {
    const spec = datasetCatalog.get(dataset);
    return inTransaction(
      owner,
      { role: 'writer' },
      async () => {
        await owner.query(createStagingSql(spec));
        await owner.query(
          `INSERT INTO ${STAGING_TABLE} (line, ${spec.primaryKey})
           SELECT g, g FROM generate_series(1, 1000) g`,
        );
        for (const statement of statements.slice(0, -1)) await owner.query(statement);
        const { rows } = await owner.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
          `EXPLAIN (FORMAT JSON) ${statements[statements.length - 1]}`,
        );
        return scannedRelations(rows[0]['QUERY PLAN'][0].Plan);
      },
      { commit: false },
    );
  }

  it.each(['clients', 'details_transactions'] as const)('%s: the rows insert', async (dataset) => {
    const scanned = await insertPlan(dataset, insertNewRowsSql(datasetCatalog.get(dataset)));
    expect(scanned.length).toBeGreaterThan(0);
    expect(scanned).not.toContain(datasetCatalog.get(dataset).table);
  });

  it.each(['clients', 'details_transactions'] as const)(
    '%s: the insert of a file whose keys are all new reads staging alone',
    async (dataset) => {
      const spec = datasetCatalog.get(dataset);
      expect(await insertPlan(dataset, [insertAllStagedSql(spec)])).toEqual([STAGING_TABLE]);
    },
  );

  it('takes a file for all new only when the target is empty or every staged key lies above its largest', async () => {
    const spec = datasetCatalog.get('magasins');
    const allNew = (storedIds: number[], stagedIds: number[]) =>
      inTransaction(
        owner,
        { role: 'writer' },
        async () => {
          for (const id of storedIds)
            await owner.query(
              `INSERT INTO magasins (magasin_id, nom, adresse, ville, code_postal, region)
               VALUES ($1, 'm', 'a', 'v', '75001', 'r')`,
              [id],
            );
          await owner.query(createStagingSql(spec));
          for (const id of stagedIds)
            await owner.query(`INSERT INTO ${STAGING_TABLE} (line, magasin_id) VALUES ($1, $1)`, [
              id,
            ]);
          const { rows } = await owner.query<{ all_new: boolean }>(allKeysNewSql(spec));
          return rows[0].all_new;
        },
        { commit: false },
      );
    expect(await allNew([], [5, 1, 9])).toBe(true);
    expect(await allNew([1, 2], [3, 4])).toBe(true);
    expect(await allNew([1, 2], [])).toBe(true);
    // One staged key at or below the largest stored one: it may exist, the full merge decides.
    expect(await allNew([1, 4], [2, 5])).toBe(false);
    expect(await allNew([1, 4], [4, 5])).toBe(false);
    expect(await allNew([1, 4], [9, 3])).toBe(false);
  });

  it('clients: the data keys insert', async () => {
    const scanned = await insertPlan('clients', createDataKeysSql(datasetCatalog.get('clients'))!);
    expect(scanned.length).toBeGreaterThan(0);
    expect(scanned).not.toContain('client_keys');
  });
});
