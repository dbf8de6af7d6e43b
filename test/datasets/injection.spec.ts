import request from 'supertest';
import { datasetCatalog } from '../../src/catalog/dataset-catalog';
import { acceptedParameters } from '../../src/datasets/record-query';
import { HttpHarness, startHttpHarness } from '../support/http-app';
import { bearer } from '../support/role-tokens';
import { loadRetailFixture } from '../support/retail-fixture';

const ATTACKS = [
  "' OR 1=1 --",
  '1;DROP TABLE clients',
  '1 UNION SELECT nom FROM clients',
  "2024-01-01'); DELETE FROM transactions; --",
];

/** Every query parameter of every dataset, as derived from the catalog. */
const cells = datasetCatalog
  .all()
  .flatMap((spec) =>
    acceptedParameters(spec).flatMap((parameter) =>
      ATTACKS.map((attack) => [spec.name, parameter, attack] as const),
    ),
  );

describe('injection attempts in query parameters', () => {
  let h: HttpHarness;
  const counts = () =>
    h.db.asOwner(async (c) => {
      const result: Record<string, number> = {};
      for (const spec of datasetCatalog.all()) {
        const { rows } = await c.query(`SELECT count(*)::int AS n FROM ${spec.table}`);
        result[spec.name] = rows[0].n as number;
      }
      return result;
    });
  let before: Record<string, number>;

  beforeAll(async () => {
    h = await startHttpHarness();
    await h.db.asOwner((c) => loadRetailFixture(c, 5));
    before = await counts();
  });
  afterAll(() => h.close());

  it.each(cells)('%s ?%s=%s is a 400 naming the parameter', async (dataset, parameter, attack) => {
    const res = await request(h.app.getHttpServer())
      .get(`/datasets/${dataset}/records`)
      .query({ [parameter]: attack })
      .set(...bearer('admin'))
      .expect(400);
    expect(res.body.message).toContain(parameter);
  });

  it.each(ATTACKS)('the record id %s is a 400', async (attack) => {
    await request(h.app.getHttpServer())
      .get(`/datasets/clients/records/${encodeURIComponent(attack)}`)
      .set(...bearer('admin'))
      .expect(400);
  });

  it.each(ATTACKS)('audit ?sub=%s is a 400', async (attack) => {
    await request(h.app.getHttpServer())
      .get('/audit')
      .query({ sub: attack })
      .set(...bearer('admin'))
      .expect(400);
  });

  it('an e-mail-shaped attack is only a value: it matches nothing', async () => {
    const res = await request(h.app.getHttpServer())
      .get('/datasets/clients/records')
      .query({ email: "x'OR'1'='1@exemple.fr" })
      .set(...bearer('admin'))
      .expect(200);
    expect(res.body.items).toEqual([]);
  });

  it('leaves every table untouched', async () => {
    expect(await counts()).toEqual(before);
    expect(before.clients).toBe(5);
  });
});
