import request from 'supertest';
import { datasetCatalog } from '../../src/catalog/dataset-catalog';
import type { DatabaseRole } from '../../src/database/role-scoped-transactions';
import { HttpHarness, startHttpHarness } from '../support/http-app';
import { bearer } from '../support/role-tokens';
import { loadRetailFixture } from '../support/retail-fixture';

type Expectation = Record<DatabaseRole | 'anonymous', number>;

const datasets = datasetCatalog.all().map((d) => d.name);
const records = { admin: 200, analyst: 200, writer: 403, anonymous: 401 };
const routes: [string, Expectation][] = [
  ['/health/live', { admin: 200, analyst: 200, writer: 200, anonymous: 200 }],
  ['/health/ready', { admin: 200, analyst: 200, writer: 200, anonymous: 200 }],
  ['/datasets', { admin: 200, analyst: 200, writer: 200, anonymous: 401 }],
  ...datasets.map((d): [string, Expectation] => [`/datasets/${d}/records`, records]),
  ...datasets.map((d): [string, Expectation] => [`/datasets/${d}/records/1`, records]),
  ['/audit', { admin: 200, analyst: 403, writer: 403, anonymous: 401 }],
];
const cells = routes.flatMap(([route, expected]) =>
  (Object.keys(expected) as (keyof Expectation)[]).map(
    (who) => [route, who, expected[who]] as const,
  ),
);

describe('who may call which route', () => {
  let h: HttpHarness;
  beforeAll(async () => {
    h = await startHttpHarness();
    await h.db.asOwner((c) => loadRetailFixture(c, 3));
  });
  afterAll(() => h.close());

  it.each(cells)('GET %s as %s answers %i', async (route, who, status) => {
    const req = request(h.app.getHttpServer()).get(route);
    await (who === 'anonymous' ? req : req.set(...bearer(who))).expect(status);
  });

  it('tells each role what it sees in the catalog, derived from the catalog', async () => {
    const get = (role: DatabaseRole) =>
      request(h.app.getHttpServer())
        .get('/datasets')
        .set(...bearer(role))
        .expect(200);
    const clients = (body: { datasets: { name: string; yourAccess: unknown }[] }) =>
      body.datasets.find((d) => d.name === 'clients')!.yourAccess as {
        records: string;
        columns: { name: string }[];
        filters: string[];
      };
    const admin = clients((await get('admin')).body);
    const analyst = clients((await get('analyst')).body);
    const writer = clients((await get('writer')).body);
    expect(admin.records).toBe('clear');
    expect(admin.columns.map((c) => c.name)).toContain('email');
    expect(admin.filters).toContain('email');
    expect(analyst.records).toBe('pseudonymised');
    expect(analyst.columns.map((c) => c.name)).toEqual([
      'client_id',
      'annee_naissance',
      'sexe',
      'ville',
      'date_inscription',
    ]);
    expect(analyst.filters).not.toContain('email');
    expect(writer).toEqual({ records: 'none', columns: [], filters: [], orderBy: [] });
  });
});
