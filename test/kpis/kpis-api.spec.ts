import { INestApplication } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import request from 'supertest';
import { createHttpApplication } from '../../src/http-application';
import { insertKpiRetailFixture } from '../fixtures/kpi-retail-fixture';
import { TestDatabase, testSecrets } from '../support/test-database';

/** A role token as the access guard expects it (HS256, sub, role, exp). */
const authorization = (role: 'admin' | 'analyst') =>
  `Bearer ${new JwtService({ secret: testSecrets().jwtSecret }).sign(
    { sub: `${role}-kpi-tester`, role },
    { algorithm: 'HS256', expiresIn: 600 },
  )}`;

type Row = Record<string, unknown>;
const rowsOf = (res: { body: unknown }): Row[] => (res.body as { rows: Row[] }).rows;

describe('GET /kpis/{name}', () => {
  let db: TestDatabase;
  let app: INestApplication;
  const get = (path: string, role: 'admin' | 'analyst' = 'analyst') =>
    request(app.getHttpServer()).get(path).set('Authorization', authorization(role));

  beforeAll(async () => {
    db = await TestDatabase.create();
    const config = await db.migrate();
    await db.asOwner(insertKpiRetailFixture);
    app = await createHttpApplication(config);
    await app.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  it('sums line amounts into revenue by day, store and category (uncategorised products grouped)', async () => {
    const res = await get('/kpis/revenue').expect(200);
    expect(res.body.kpi).toBe('revenue');
    expect(res.body.rows).toEqual([
      {
        jour: '2025-03-01',
        magasin_id: 1,
        magasin: 'Paris Centre',
        categorie: 'Boulangerie',
        chiffre_affaires: 4,
        quantite: 2,
        transactions: 1,
      },
      {
        jour: '2025-03-01',
        magasin_id: 1,
        magasin: 'Paris Centre',
        categorie: 'Crèmerie',
        chiffre_affaires: 3,
        quantite: 2,
        transactions: 1,
      },
      {
        jour: '2025-03-01',
        magasin_id: 1,
        magasin: 'Paris Centre',
        categorie: 'Sans catégorie',
        chiffre_affaires: 3,
        quantite: 1,
        transactions: 1,
      },
      {
        jour: '2025-03-02',
        magasin_id: 2,
        magasin: 'Lyon Gare',
        categorie: 'Boulangerie',
        chiffre_affaires: 6,
        quantite: 3,
        transactions: 1,
      },
    ]);
  });

  it('counts transactions and averages the basket per day and store', async () => {
    const res = await get('/kpis/basket', 'admin').expect(200);
    expect(res.body.rows).toEqual([
      {
        jour: '2025-03-01',
        magasin_id: 1,
        magasin: 'Paris Centre',
        transactions: 2,
        chiffre_affaires: 10,
        panier_moyen: 5,
      },
      {
        jour: '2025-03-02',
        magasin_id: 2,
        magasin: 'Lyon Gare',
        transactions: 1,
        chiffre_affaires: 6,
        panier_moyen: 6,
      },
    ]);
  });

  it('adds camera counts into footfall per store and hour', async () => {
    const res = await get('/kpis/footfall').expect(200);
    expect(rowsOf(res).map((r) => [r.heure, r.magasin_id, r.visiteurs])).toEqual([
      ['2025-03-01T10:00:00', 1, 100],
      ['2025-03-01T15:00:00', 1, 100],
      ['2025-03-05T09:00:00', 2, 50],
    ]);
  });

  it('divides transactions by visitors per store and day, null when no visitor was counted', async () => {
    const res = await get('/kpis/conversion').expect(200);
    expect(
      rowsOf(res).map((r) => [
        r.jour,
        r.magasin_id,
        r.transactions,
        r.visiteurs,
        r.taux_conversion,
      ]),
    ).toEqual([
      ['2025-03-01', 1, 2, 200, 0.01],
      ['2025-03-02', 2, 1, null, null],
      ['2025-03-05', 2, 0, 50, 0],
    ]);
  });

  it('ranks products by revenue over the range, limited on request', async () => {
    const res = await get('/kpis/top-products?limit=2').expect(200);
    expect(res.body.filters.limit).toBe(2);
    expect(res.body.rows).toEqual([
      {
        produit_id: 1,
        produit: 'Pain',
        categorie: 'Boulangerie',
        quantite: 5,
        chiffre_affaires: 10,
      },
      { produit_id: 2, produit: 'Lait', categorie: 'Crèmerie', quantite: 2, chiffre_affaires: 3 },
    ]);
  });

  it('alerts on the latest reading per store and product only, strictly below the threshold', async () => {
    const res = await get('/kpis/stock-alerts').expect(200);
    expect(
      rowsOf(res).map((r) => [r.magasin_id, r.produit_id, r.niveau_stock, r.seuil_alerte]),
    ).toEqual([
      [1, 2, 20, 50],
      [2, 1, 49, 50],
    ]);
  });

  it('filters by store and by an inclusive date range', async () => {
    const byStore = await get('/kpis/basket?magasin_id=2').expect(200);
    expect(rowsOf(byStore).map((r) => r.magasin_id)).toEqual([2]);
    const byDay = await get('/kpis/revenue?from=2025-03-02&to=2025-03-02').expect(200);
    expect(rowsOf(byDay).map((r) => r.jour)).toEqual(['2025-03-02']);
    expect(byDay.body.filters).toEqual({
      from: '2025-03-02',
      to: '2025-03-02',
      magasin_id: null,
      limit: 1000,
    });
  });

  it('answers 404 for an unknown KPI, naming the known ones', async () => {
    const res = await get('/kpis/churn').expect(404);
    expect(res.body.message).toContain(
      'revenue, basket, footfall, conversion, top-products, stock-alerts',
    );
  });

  it.each([
    ['/kpis/revenue?from=2025-02-30', 'from must be a date (YYYY-MM-DD)'],
    ['/kpis/revenue?to=yesterday', 'to must be a date (YYYY-MM-DD)'],
    ['/kpis/revenue?from=2025-03-02&to=2025-03-01', 'from must not be after to'],
    ['/kpis/revenue?magasin_id=0', 'magasin_id must be an integer from 1 to 2147483647'],
    [
      '/kpis/revenue?magasin_id=1%3B%20DROP%20TABLE%20magasins',
      'magasin_id must be an integer from 1 to 2147483647',
    ],
    ['/kpis/top-products?limit=10001', 'limit must be an integer from 1 to 10000'],
    [
      '/kpis/revenue?store=1',
      'unknown query parameter "store"; accepted: from, to, magasin_id, limit',
    ],
  ])('answers 400 for %s', async (path, message) => {
    const res = await get(path).expect(400);
    expect(res.body.message).toContain(message);
  });
});
