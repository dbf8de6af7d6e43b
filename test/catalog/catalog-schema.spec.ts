import { datasetCatalog, SQL_TYPES } from '../../src/catalog/dataset-catalog';
import { decryptedViewName } from '../../src/catalog/dataset.types';
import { TestDatabase } from '../support/test-database';

/** Migrations are the frozen SQL form of the catalog; this is where drift is caught. */
describe('dataset catalog and migrated schema', () => {
  let db: TestDatabase;
  let columns: {
    table_name: string;
    column_name: string;
    data_type: string;
    is_nullable: string;
    numeric_precision: number | null;
    numeric_scale: number | null;
  }[];
  let keys: {
    table_name: string;
    column_name: string;
    kind: string;
    ref_table: string | null;
    ref_column: string | null;
  }[];

  beforeAll(async () => {
    db = await TestDatabase.create();
    await db.asOwner(async (owner) => {
      columns = (
        await owner.query(`
          SELECT table_name, column_name, data_type, is_nullable, numeric_precision, numeric_scale
            FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`)
      ).rows;
      keys = (
        await owner.query(`
          SELECT tc.table_name, kcu.column_name, tc.constraint_type AS kind,
                 ccu.table_name AS ref_table, ccu.column_name AS ref_column
            FROM information_schema.table_constraints tc
            JOIN information_schema.key_column_usage kcu USING (constraint_schema, constraint_name)
            LEFT JOIN information_schema.constraint_column_usage ccu
              ON tc.constraint_type = 'FOREIGN KEY' AND ccu.constraint_name = tc.constraint_name
           WHERE tc.table_schema = 'public' AND tc.constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY')`)
      ).rows;
    });
  });
  afterAll(() => db.drop());

  const typeOf = (c: (typeof columns)[number]) =>
    c.data_type === 'numeric' ? `numeric(${c.numeric_precision},${c.numeric_scale})` : c.data_type;

  for (const spec of datasetCatalog.all()) {
    describe(spec.name, () => {
      it('has a table whose catalog columns have the catalog types (bytea when personal)', () => {
        const table = columns.filter((c) => c.table_name === spec.table);
        for (const col of spec.columns) {
          const actual = table.find((c) => c.column_name === col.name);
          expect({ column: col.name, type: actual && typeOf(actual) }).toEqual({
            column: col.name,
            type: col.personal ? 'bytea' : SQL_TYPES[col.type],
          });
          // A personal column is NULL in an erased subject's tombstone; for every other row a
          // CHECK constraint keeps it required (test/gdpr/client-erasure.spec.ts).
          expect({ column: col.name, nullable: actual!.is_nullable === 'YES' }).toEqual({
            column: col.name,
            nullable: !col.required || col.personal === true,
          });
        }
      });

      it('has the catalog primary key and foreign keys', () => {
        const tableKeys = keys.filter((k) => k.table_name === spec.table);
        expect(tableKeys.filter((k) => k.kind === 'PRIMARY KEY').map((k) => k.column_name)).toEqual(
          [spec.primaryKey],
        );
        const expectedFks = spec.columns
          .filter((c) => c.references)
          .map((c) => ({
            column: c.name,
            table: datasetCatalog.get(c.references!.dataset).table,
            refColumn: c.references!.column,
          }));
        const actualFks = tableKeys
          .filter((k) => k.kind === 'FOREIGN KEY')
          .map((k) => ({ column: k.column_name, table: k.ref_table, refColumn: k.ref_column }));
        expect(actualFks).toEqual(expect.arrayContaining(expectedFks));
        expect(actualFks).toHaveLength(expectedFks.length);
      });

      it(`has ${decryptedViewName(spec.table)} returning every column in clear with its real type`, () => {
        const view = columns.filter((c) => c.table_name === decryptedViewName(spec.table));
        expect(view.map((c) => ({ name: c.column_name, type: typeOf(c) }))).toEqual(
          spec.columns.map((c) => ({ name: c.name, type: SQL_TYPES[c.type] })),
        );
      });

      if (datasetCatalog.hasPersonalData(spec)) {
        it('has an analyst view that exposes no column the catalog hides from analysts', () => {
          const view = columns
            .filter((c) => c.table_name === datasetCatalog.analystView(spec))
            .map((c) => c.column_name);
          for (const col of spec.columns) {
            if (col.analyst === 'hidden' || col.analyst === 'birth-year')
              expect(view).not.toContain(col.name);
            if (col.analyst === 'clear' || !col.personal) expect(view).toContain(col.name);
          }
          expect(view).toContain('annee_naissance');
        });
      }
    });
  }
});
