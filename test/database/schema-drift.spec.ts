import { Client } from 'pg';
import { datasetCatalog } from '../../src/catalog/dataset-catalog';
import { recordVisibility } from '../../src/catalog/record-visibility';
import { renderProtectionLayer } from '../../src/database/schema/protection-layer';
import { driftReport, findSchemaDrift } from '../../src/database/schema/schema-drift';
import { TestDatabase } from '../support/test-database';

/** What `npm run schema:check` runs against its freshly migrated database. */
describe('schema drift between the migrated database and what the catalog renders', () => {
  const rendered = renderProtectionLayer(datasetCatalog, recordVisibility);
  let db: TestDatabase;
  let owner: Client;

  beforeAll(async () => {
    db = await TestDatabase.create();
    owner = await db.connect('owner');
  });
  afterAll(async () => {
    await owner.end();
    await db.drop();
  });

  const report = async () => driftReport(await findSchemaDrift(owner, rendered));

  it('finds none on the migrated database', async () => {
    expect((await findSchemaDrift(owner, rendered)).problems).toEqual([]);
    // The check really read the objects it compares.
    expect(await report()).toBe('the database is what the catalog renders');
  });

  it('shows a hand-edited trigger function as a line diff, and leaves the database as it was', async () => {
    const { rows } = await owner.query<{ def: string }>(
      `SELECT pg_get_functiondef('smartretail.protect_clients()'::regprocedure) AS def`,
    );
    const original = rows[0].def;
    await owner.query(original.replace(`('H', 'F', 'Autre')`, `('H', 'F', 'Autre', 'X')`));
    try {
      const text = await report();
      expect(text).toContain(
        'function smartretail.protect_clients() differs (- database, + rendered)',
      );
      expect(text).toMatch(/^ {2}- .*NOT IN \('H', 'F', 'Autre', 'X'\)/m);
      expect(text).toMatch(/^ {2}\+ .*NOT IN \('H', 'F', 'Autre'\) THEN$/m);
      expect(text).not.toContain('privileges');
      // The check rolled its own replacement back: the edit is still there.
      const after = await owner.query<{ def: string }>(
        `SELECT pg_get_functiondef('smartretail.protect_clients()'::regprocedure) AS def`,
      );
      expect(after.rows[0].def).toContain(`'Autre', 'X'`);
    } finally {
      await owner.query(original);
    }
    expect((await findSchemaDrift(owner, rendered)).problems).toEqual([]);
  });

  it('names a hand-added grant', async () => {
    await owner.query('GRANT SELECT ON clients TO analyst');
    try {
      expect(await report()).toContain(
        'privileges the database grants but the catalog does not:\n  - table public.clients: analyst SELECT',
      );
    } finally {
      await owner.query('REVOKE SELECT ON clients FROM analyst');
    }
  });

  it('names a hand-added column grant and a hand-added function grant', async () => {
    await owner.query('GRANT SELECT (email_hash) ON clients TO writer');
    await owner.query('GRANT EXECUTE ON FUNCTION smartretail.blind_index_key() TO grafana');
    try {
      const text = await report();
      expect(text).toContain('  - table public.clients: writer SELECT (column email_hash)');
      expect(text).toContain('  - function smartretail.blind_index_key(): grafana EXECUTE');
    } finally {
      await owner.query('REVOKE SELECT (email_hash) ON clients FROM writer');
      await owner.query('REVOKE EXECUTE ON FUNCTION smartretail.blind_index_key() FROM grafana');
    }
  });

  it('names a hand-removed grant', async () => {
    await owner.query('REVOKE SELECT ON v_clients_pseudonymised FROM analyst');
    try {
      expect(await report()).toContain(
        'privileges the catalog grants but the database does not:\n  + view public.v_clients_pseudonymised: analyst SELECT',
      );
    } finally {
      await owner.query('GRANT SELECT ON v_clients_pseudonymised TO analyst');
    }
    expect((await findSchemaDrift(owner, rendered)).problems).toEqual([]);
  });

  it('names an object that no declaration covers', async () => {
    await owner.query('CREATE TABLE scratch_notes (id integer)');
    try {
      expect(await report()).toContain('  ! relation public.scratch_notes');
    } finally {
      await owner.query('DROP TABLE scratch_notes');
    }
  });
});
