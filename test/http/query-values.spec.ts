/**
 * Query values PostgreSQL would refuse, or JavaScript would silently coerce, are 400s naming the
 * parameter, on every route; none reaches the database as a 500.
 */
import request from 'supertest';
import { encodeCursor } from '../../src/common/keyset-cursor';
import { HttpHarness, startHttpHarness } from '../support/http-app';
import { bearer } from '../support/role-tokens';
import { loadRetailFixture } from '../support/retail-fixture';

describe('query values over HTTP', () => {
  let h: HttpHarness;
  const get = (path: string) =>
    request(h.app.getHttpServer())
      .get(path)
      .set(...bearer('admin'));

  beforeAll(async () => {
    h = await startHttpHarness();
    await h.db.asOwner((c) => loadRetailFixture(c, 3));
  });
  afterAll(() => h.close());

  it.each([
    ['/kpis/revenue?magasin_id=2147483648', 'magasin_id must be an integer from 1 to 2147483647'],
    ['/kpis/revenue?magasin_id=-1', 'magasin_id must be an integer from 1 to 2147483647'],
    ['/kpis/revenue?from=2025-W01-1', 'from must be a date (YYYY-MM-DD)'],
    ['/kpis/revenue?from=2025', 'from must be a date (YYYY-MM-DD)'],
    ['/kpis/revenue?to=2025-001', 'to must be a date (YYYY-MM-DD)'],
    ['/kpis/revenue?from=2025-01-01T00:00', 'from must be a date (YYYY-MM-DD)'],
    ['/kpis/top-products?limit=1e3', 'limit must be an integer from 1 to 10000'],
    ['/kpis/top-products?limit=%201', 'limit must be an integer from 1 to 10000'],
    ['/kpis/top-products?limit=0x10', 'limit must be an integer from 1 to 10000'],
    ['/audit?from=2025-W01-1', 'from must be a date or date-time'],
    ['/audit?from=2025', 'from must be a date or date-time'],
    ['/audit?to=2025-001', 'to must be a date or date-time'],
    ['/audit?from=2025-01-02&to=2025-01-01', 'from must not be after to'],
    ['/audit?limit=1e3', 'limit must be an integer from 1 to 1000'],
    ['/imports?offset=9223372036854775807', 'offset must be an integer from 0 to 2147483647'],
    ['/imports?offset=-1', 'offset must be an integer from 0 to 2147483647'],
    ['/imports?limit=1e2', 'limit must be an integer from 1 to 500'],
    ['/imports?limit=1&limit=2', 'limit must be given once'],
    ['/datasets/transactions/records?from=2025-001', 'from must be a date (YYYY-MM-DD)'],
    ['/datasets/transactions/records?magasin_id=2147483648', 'magasin_id must be an integer'],
    ['/datasets/clients/records?limit=1e3', 'limit must be an integer from 1 to 1000'],
    ['/datasets/clients/records/2147483648', 'id must be an integer from 1 to 2147483647'],
  ])('%s is a 400: %s', async (path, message) => {
    const res = await get(path).expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(res.body.message).toContain(message);
  });

  it('refuses a records cursor whose key is beyond the integer primary key', async () => {
    const cursor = encodeCursor('clients', 2_147_483_648);
    const res = await get(`/datasets/clients/records?cursor=${cursor}`).expect(400);
    expect(res.body.message).toBe('cursor is not a cursor of this clients listing');
  });

  it('refuses an audit cursor whose key is beyond JavaScript-safe bigint keys', async () => {
    const cursor = encodeCursor('audit', 2 ** 63);
    const res = await get(`/audit?cursor=${cursor}`).expect(400);
    expect(res.body.message).toBe('cursor is not a cursor of this audit listing');
  });

  it('still serves the largest values each column accepts', async () => {
    const kpi = await get('/kpis/revenue?magasin_id=2147483647&from=2024-02-29').expect(200);
    expect(kpi.body.filters).toMatchObject({ magasin_id: 2147483647, from: '2024-02-29' });
    const runs = await get('/imports?offset=2147483647&limit=500').expect(200);
    expect(runs.body).toMatchObject({ offset: 2147483647, limit: 500, items: [] });
    const page = await get(
      `/datasets/clients/records?cursor=${encodeCursor('clients', 2147483647)}`,
    );
    expect(page.status).toBe(200);
    expect(page.body.items).toEqual([]);
    const audit = await get('/audit?from=2000-01-01T00:00:00%2B02:00&to=2999-12-31').expect(200);
    expect(Array.isArray(audit.body.items)).toBe(true);
  });
});
