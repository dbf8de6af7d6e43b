import { datasetCatalog, SQL_TYPES } from '../../src/catalog/dataset-catalog';
import { recordVisibility } from '../../src/catalog/record-visibility';
import { TestDatabase } from '../support/test-database';

describe('the columns each role is told it sees are the columns of its view', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await TestDatabase.create();
  });
  afterAll(() => db.drop());

  const cells = datasetCatalog
    .all()
    .flatMap((spec) => (['admin', 'analyst'] as const).map((role) => [spec.name, role] as const));

  it.each(cells)('%s as %s', async (name, role) => {
    const spec = datasetCatalog.get(name);
    const view = recordVisibility.viewFor(spec, role)!;
    const { rows } = await db.asOwner((c) =>
      c.query<{ column_name: string; data_type: string }>(
        `SELECT column_name, data_type FROM information_schema.columns
          WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`,
        [view],
      ),
    );
    const declared = recordVisibility.visibleColumns(spec, role);
    expect(rows.map((r) => r.column_name)).toEqual(declared.map((c) => c.name));
    expect(rows.map((r) => r.data_type)).toEqual(
      declared.map((c) => SQL_TYPES[c.type].replace(/\(.*\)$/, '')),
    );
  });
});
