/**
 * The database, not only the API, decides what each role sees: these tests call the read API's
 * repository directly, as each role, including with sources the API would never pick.
 */
import { datasetCatalog } from '../../src/catalog/dataset-catalog';
import { decryptedViewName, pseudonymisedViewName } from '../../src/catalog/dataset.types';
import { RoleScopedTransactions } from '../../src/database/role-scoped-transactions';
import { DatabaseRole } from '../../src/auth/database-role';
import { DatasetsRepository } from '../../src/datasets/datasets.repository';
import { RecordSource } from '../../src/datasets/record-sql';
import { recordVisibility, VisibleColumn } from '../../src/catalog/record-visibility';
import { parseRecordQuery } from '../../src/datasets/record-query';
import { aClient } from '../support/client-factory';
import { loadRetailFixture, manyClients } from '../support/retail-fixture';
import { openSingleConnectionTransactions } from '../../src/database/single-connection-transactions';
import { TestDatabase } from '../support/test-database';

const clients = datasetCatalog.get('clients');
const ALL_CLIENT_COLUMNS = recordVisibility.visibleColumns(clients, 'admin');
/** A source naming any columns, even ones the role's view lacks: the database must decide. */
const source = (view: string, names?: string[]): RecordSource => ({
  spec: clients,
  view,
  columns: names
    ? names.map((name): VisibleColumn => ({ name, type: 'text', personal: false }))
    : ALL_CLIENT_COLUMNS,
});
const itemsOf = (page: { itemsJson: string }) =>
  JSON.parse(page.itemsJson) as Record<string, unknown>[];
const PERMISSION_DENIED = expect.objectContaining({ code: '42501' });
const keysOf = (role: DatabaseRole) => (role === 'analyst' ? 'encryption' : 'all');

describe('reads under each database role', () => {
  let db: TestDatabase;
  let tx: RoleScopedTransactions;
  let close: () => Promise<void>;
  const repository = new DatasetsRepository();
  const read = (role: DatabaseRole, from: RecordSource, query = {}) =>
    tx.run(
      // As the service does: analyst's only key is the one its pseudonymised view decrypts with.
      { role, readOnly: true, claims: { sub: `${role}-1`, role }, keys: keysOf(role) },
      (client) => repository.page(client, from, parseRecordQuery(clients, 'admin', query)),
    );

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

  it('admin reads clear client data', async () => {
    const [first] = itemsOf(await read('admin', source(decryptedViewName('clients'))));
    expect(first).toEqual(manyClients(1)[0]);
  });

  it('analyst asking for v_clients_decrypted is refused by PostgreSQL', async () => {
    await expect(read('analyst', source(decryptedViewName('clients')))).rejects.toEqual(
      PERMISSION_DENIED,
    );
  });

  it('analyst cannot use the blind index either (no access to the clients table)', async () => {
    const pseudonymised = source(pseudonymisedViewName('clients'), ['client_id']);
    await expect(
      read('analyst', pseudonymised, { email: aClient({ client_id: 1 }).email }),
    ).rejects.toEqual(PERMISSION_DENIED);
  });

  it('analyst gets the pseudonymised view and nothing more', async () => {
    const page = await read(
      'analyst',
      source(pseudonymisedViewName('clients'), ['client_id', 'annee_naissance', 'ville']),
    );
    expect(itemsOf(page)).toHaveLength(3);
    await expect(
      read('analyst', source(pseudonymisedViewName('clients'), ['client_id', 'email'])),
    ).rejects.toEqual(expect.objectContaining({ code: '42703' }));
  });

  it.each([decryptedViewName('clients'), pseudonymisedViewName('clients'), 'clients'])(
    'writer gets nothing from %s',
    async (view) => {
      await expect(read('writer', source(view, ['client_id', 'sexe']))).rejects.toEqual(
        PERMISSION_DENIED,
      );
    },
  );

  it.each(datasetCatalog.all().map((d) => d.name))('writer reads no view of %s', async (name) => {
    const spec = datasetCatalog.get(name);
    const view: RecordSource = {
      spec,
      view: decryptedViewName(spec.table),
      columns: recordVisibility.visibleColumns(spec, 'admin'),
    };
    await expect(
      tx.run({ role: 'writer', readOnly: true }, (c) =>
        repository.page(c, view, parseRecordQuery(spec, 'admin', { limit: '1' })),
      ),
    ).rejects.toEqual(PERMISSION_DENIED);
  });

  it('a READ ONLY transaction refuses writes even to admin', async () => {
    await expect(
      tx.run({ role: 'admin', readOnly: true }, (c) =>
        c.query(`UPDATE magasins SET nom = 'x' WHERE magasin_id = 1`),
      ),
    ).rejects.toEqual(expect.objectContaining({ code: '25006' }));
  });

  it('publishes the caller claims to SQL for the transaction only', async () => {
    const claims = await tx.run(
      { role: 'analyst', readOnly: true, claims: { sub: 'carol', role: 'analyst' } },
      async (c) =>
        (await c.query(`SELECT current_setting('request.jwt.claims') AS c, current_user AS u`))
          .rows[0],
    );
    expect(JSON.parse(claims.c as string)).toEqual({ sub: 'carol', role: 'analyst' });
    expect(claims.u).toBe('analyst');
  });
});
