import request from 'supertest';
import { datasetCatalog } from '../../src/catalog/dataset-catalog';
import { acceptedParameters } from '../../src/datasets/record-query';
import { HttpHarness, startHttpHarness } from '../support/http-app';
import { bearer } from '../support/role-tokens';
import { loadRetailFixture } from '../support/retail-fixture';

/** SQL-looking strings no typed parameter accepts: validation must refuse them (type checks). */
const ATTACKS = [
  "' OR 1=1 --",
  '1;DROP TABLE clients',
  '1 UNION SELECT nom FROM clients',
  "2024-01-01'); DELETE FROM transactions; --",
];

/**
 * Values that pass validation (they are well-formed for their parameter) yet would change the
 * statement if they were concatenated into SQL, quoted or not: quotes, comments, `;`, casts,
 * and column names (unquoted `sub = sub` is true on every row). Bound as values, they match
 * nothing.
 */
const VALID_EMAIL_INJECTIONS = [
  "x'OR'1'='1@exemple.fr",
  "a@b.fr';DROP/**/TABLE/**/clients;--",
  "x'||(SELECT/**/max(nom)/**/FROM/**/clients)||'@a.fr",
  "a@b.fr'::text--",
  'a@b.fr\\',
];
const VALID_SUB_INJECTIONS = ['sub', 'role', 'x::text', 'a--', 'admin-tester--', 'sub:dave'];

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

  it.each(cells)(
    'validation refuses %s ?%s=%s before any SQL, with a 400 naming the parameter',
    async (dataset, parameter, attack) => {
      const res = await request(h.app.getHttpServer())
        .get(`/datasets/${dataset}/records`)
        .query({ [parameter]: attack })
        .set(...bearer('admin'))
        .expect(400);
      expect(res.body.message).toContain(parameter);
    },
  );

  it.each(ATTACKS)('validation refuses the record id %s (400)', async (attack) => {
    await request(h.app.getHttpServer())
      .get(`/datasets/clients/records/${encodeURIComponent(attack)}`)
      .set(...bearer('admin'))
      .expect(400);
  });

  it.each(ATTACKS)('validation refuses audit ?sub=%s (400)', async (attack) => {
    await request(h.app.getHttpServer())
      .get('/audit')
      .query({ sub: attack })
      .set(...bearer('admin'))
      .expect(400);
  });

  it.each(VALID_EMAIL_INJECTIONS)(
    'the valid e-mail %s reaches SQL only as a bound value: it matches nothing',
    async (email) => {
      const res = await request(h.app.getHttpServer())
        .get('/datasets/clients/records')
        .query({ email })
        .set(...bearer('admin'))
        .expect(200);
      expect(res.body.items).toEqual([]);
    },
  );

  it.each(VALID_SUB_INJECTIONS)(
    'the valid audit subject %s reaches SQL only as a bound value: it matches nothing',
    async (sub) => {
      // Audit rows exist (the admin reads above), so `sub = sub` concatenated would list them.
      const all = await request(h.app.getHttpServer())
        .get('/audit')
        .set(...bearer('admin'))
        .expect(200);
      expect(all.body.items.length).toBeGreaterThan(0);
      const res = await request(h.app.getHttpServer())
        .get('/audit')
        .query({ sub })
        .set(...bearer('admin'))
        .expect(200);
      expect(res.body.items).toEqual([]);
    },
  );

  it('stores a valid correlation id with comment and cast characters as it was sent', async () => {
    const res = await request(h.app.getHttpServer())
      .get('/datasets/clients/records/1')
      .set(...bearer('admin'))
      .set('X-Request-Id', '1--x.y')
      .expect(200);
    const { rows } = await h.db.asOwner((c) =>
      c.query('SELECT correlation_id FROM audit_log WHERE request_id = $1', [
        res.headers['x-request-id'],
      ]),
    );
    expect(rows).toEqual([{ correlation_id: '1--x.y' }]);
  });

  it.each(["revenue';--", 'revenue;DROP TABLE magasins', 'revenue::text'])(
    'the KPI name %s is only looked up, never run: 404',
    async (name) => {
      await request(h.app.getHttpServer())
        .get(`/kpis/${encodeURIComponent(name)}`)
        .set(...bearer('admin'))
        .expect(404);
    },
  );

  it('leaves every table untouched', async () => {
    expect(await counts()).toEqual(before);
    expect(before.clients).toBe(5);
  });
});
