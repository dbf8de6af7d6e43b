import { datasetCatalog } from '../../src/catalog/dataset-catalog';
import { recordVisibility } from '../../src/catalog/record-visibility';
import { valueRules } from '../../src/catalog/value-rules';
import { renderProtectionLayer } from '../../src/database/schema/protection-layer';
import { findSchemaDrift } from '../../src/database/schema/schema-drift';
import { TestDatabase } from '../support/test-database';

/** The protection layer of the migrated schema is the catalog's: columns, rules, privileges. */
describe('dataset catalog and the migrated protection layer', () => {
  const rendered = renderProtectionLayer(datasetCatalog, recordVisibility);
  let db: TestDatabase;
  beforeAll(async () => {
    db = await TestDatabase.create();
  });
  afterAll(() => db.drop());

  const liveFunction = (signature: string) =>
    db.asOwner(async (owner) => {
      const { rows } = await owner.query<{ def: string }>(
        `SELECT pg_get_functiondef($1::regprocedure) AS def`,
        [signature],
      );
      return rows[0].def;
    });

  for (const spec of datasetCatalog.all().filter((s) => datasetCatalog.hasPersonalData(s))) {
    describe(spec.name, () => {
      it('has a trigger that seals exactly the catalog personal columns, in catalog order', async () => {
        const def = await liveFunction(`smartretail.protect_${spec.table}()`);
        const sealed = [
          ...def.matchAll(
            /NEW\.(\w+) := block \|\| smartretail\.value_tag\(block, keys, NEW\.client_id, '(\w+)'\)/g,
          ),
        ].map((m) => (m[1] === m[2] ? m[1] : `${m[1]} tagged as ${m[2]}`));
        expect(sealed).toEqual(datasetCatalog.personalColumns(spec).map((c) => c.name));
      });

      it('has a trigger that checks every catalog rule of every personal column', async () => {
        const def = await liveFunction(`smartretail.protect_${spec.table}()`);
        for (const column of datasetCatalog.personalColumns(spec)) {
          for (const rule of valueRules(column)) {
            expect({
              column: column.name,
              rule: rule.name,
              checked: def.includes(rule.sqlViolation(`c_${column.name}`)),
            }).toEqual({
              column: column.name,
              rule: rule.name,
              checked: true,
            });
          }
        }
      });
    });
  }

  it('grants exactly what the catalog and the declarations render, and defines the same objects', async () => {
    const drift = await db.asOwner((owner) => findSchemaDrift(owner, rendered));
    expect(drift.problems).toEqual([]);
  });

  it('gives each role its view of each dataset and no other', async () => {
    const granted = await db.asOwner(async (owner) => {
      const { rows } = await owner.query<{ role: string; view: string }>(
        `SELECT r.role, c.relname AS view
           FROM pg_class c, unnest(ARRAY['admin', 'writer', 'analyst', 'grafana', 'app_user']) r(role)
          WHERE c.relkind = 'v' AND c.relname LIKE 'v\\_%' AND has_table_privilege(r.role, c.oid, 'SELECT')`,
      );
      return rows.map((r) => `${r.role} ${r.view}`).sort();
    });
    const expected = datasetCatalog
      .all()
      .flatMap((spec) => {
        const views = [
          ...new Set([datasetCatalog.decryptedView(spec), datasetCatalog.analystView(spec)]),
        ];
        // Both readers count a personal dataset on its countable view (clear columns only).
        const countable = datasetCatalog.countableView(spec);
        return [
          ...views.map((v) => `admin ${v}`),
          `analyst ${recordVisibility.viewFor(spec, 'analyst')}`,
          ...(countable ? [`admin ${countable}`, `analyst ${countable}`] : []),
        ];
      })
      .sort();
    expect(granted).toEqual(expected);
  });
});
