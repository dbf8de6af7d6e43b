import { INestApplication } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { join } from 'node:path';
import request from 'supertest';
import { listeningApp } from '../support/http-app';
import { insertKpiRetailFixture } from '../fixtures/kpi-retail-fixture';
import { TestDatabase, testSecrets } from '../support/test-database';

/** A role token as the access guard expects it (HS256, sub, role, exp). */
const authorization = (role: 'admin' | 'analyst' | 'writer') =>
  `Bearer ${new JwtService({ secret: testSecrets().jwtSecret }).sign(
    { sub: `${role}-kpi-tester`, role },
    { algorithm: 'HS256', expiresIn: 600 },
  )}`;

type Row = Record<string, unknown>;
const rowsOf = (res: { body: unknown }): Row[] => (res.body as { rows: Row[] }).rows;

describe('GET /kpis/{name}', () => {
  let db: TestDatabase;
  let app: INestApplication;
  const get = (path: string, role: 'admin' | 'analyst' | 'writer' = 'analyst') =>
    request(app.getHttpServer()).get(path).set('Authorization', authorization(role));

  beforeAll(async () => {
    db = await TestDatabase.create();
    const config = await db.migrate();
    await db.asOwner(insertKpiRetailFixture);
    app = await listeningApp(config);
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  it('sums what customers paid (montant_total) into revenue by day and store', async () => {
    const res = await get('/kpis/revenue').expect(200);
    expect(res.body.kpi).toBe('revenue');
    expect(res.body.rows).toEqual([
      {
        jour: '2025-03-01',
        magasin_id: 1,
        magasin: 'Paris Centre',
        transactions: 2,
        chiffre_affaires: 10,
      },
      {
        jour: '2025-03-02',
        magasin_id: 2,
        magasin: 'Lyon Gare',
        transactions: 3,
        chiffre_affaires: 21,
      },
    ]);
  });

  it('sums line amounts into line sales by day, store and category (uncategorised products grouped)', async () => {
    const res = await get('/kpis/line-sales').expect(200);
    expect(res.body.kpi).toBe('line-sales');
    expect(res.body.rows).toEqual([
      {
        jour: '2025-03-01',
        magasin_id: 1,
        magasin: 'Paris Centre',
        categorie: 'Boulangerie',
        ventes_lignes: 4,
        quantite: 2,
        transactions: 1,
      },
      {
        jour: '2025-03-01',
        magasin_id: 1,
        magasin: 'Paris Centre',
        categorie: 'Crèmerie',
        ventes_lignes: 3,
        quantite: 2,
        transactions: 1,
      },
      {
        jour: '2025-03-01',
        magasin_id: 1,
        magasin: 'Paris Centre',
        categorie: 'Sans catégorie',
        ventes_lignes: 3,
        quantite: 1,
        transactions: 1,
      },
      {
        jour: '2025-03-02',
        magasin_id: 2,
        magasin: 'Lyon Gare',
        categorie: 'Boulangerie',
        ventes_lignes: 6,
        quantite: 3,
        transactions: 1,
      },
      {
        jour: '2025-03-02',
        magasin_id: 2,
        magasin: 'Lyon Gare',
        categorie: 'Crèmerie',
        ventes_lignes: 6,
        quantite: 4,
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
        transactions: 3,
        chiffre_affaires: 21,
        panier_moyen: 7,
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
      ['2025-03-02', 2, 3, null, null],
      ['2025-03-05', 2, 0, 50, 0],
    ]);
  });

  it('ranks products by line sales over the range, limited on request', async () => {
    const res = await get('/kpis/top-products?limit=2').expect(200);
    expect(res.body.filters.limit).toBe(2);
    expect(res.body.rows).toEqual([
      {
        produit_id: 1,
        produit: 'Pain',
        categorie: 'Boulangerie',
        quantite: 5,
        ventes_lignes: 10,
      },
      { produit_id: 2, produit: 'Lait', categorie: 'Crèmerie', quantite: 6, ventes_lignes: 9 },
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

  it('reports, as data quality, receipts whose lines do not add up and receipts without lines', async () => {
    const res = await get('/kpis/data-quality').expect(200);
    // Receipt 4: total 10, lines 4 x 1.50 = 6 (gap 4); receipt 5: total 5, no line.
    expect(res.body.rows).toEqual([
      {
        transactions: 5,
        transactions_ecart: 1,
        ecart_montant: 4,
        transactions_sans_lignes: 1,
        montant_sans_lignes: 5,
        lignes_transaction_inconnue: 0,
      },
    ]);
    const paris = await get('/kpis/data-quality?magasin_id=1').expect(200);
    expect(paris.body.rows).toEqual([
      {
        transactions: 2,
        transactions_ecart: 0,
        ecart_montant: 0,
        transactions_sans_lignes: 0,
        montant_sans_lignes: 0,
        lignes_transaction_inconnue: 0,
      },
    ]);
  });

  it('explains the whole difference between revenue and line sales by the data-quality gaps', async () => {
    const sum = (rows: Row[], column: string) => rows.reduce((t, r) => t + Number(r[column]), 0);
    const revenue = sum(rowsOf(await get('/kpis/revenue').expect(200)), 'chiffre_affaires');
    const lines = sum(rowsOf(await get('/kpis/line-sales').expect(200)), 'ventes_lignes');
    expect([revenue, lines]).toEqual([31, 22]);
    // Here every gap is a receipt above its lines, so the gaps add up to the difference.
    const [quality] = rowsOf(await get('/kpis/data-quality').expect(200));
    expect(revenue - lines).toBe(
      Number(quality.ecart_montant) + Number(quality.montant_sans_lignes),
    );
  });

  it('lists every KPI and the meaning of each of its columns, one meaning per column name', async () => {
    const res = await get('/kpis').expect(200);
    const kpis = res.body.kpis as { name: string; description: string; columns: Row[] }[];
    expect(kpis.map((k) => k.name)).toEqual([
      'revenue',
      'basket',
      'line-sales',
      'top-products',
      'footfall',
      'conversion',
      'stock-alerts',
      'data-quality',
    ]);
    for (const kpi of kpis) {
      const [first] = rowsOf(await get(`/kpis/${kpi.name}`).expect(200));
      expect({ kpi: kpi.name, columns: Object.keys(first) }).toEqual({
        kpi: kpi.name,
        columns: kpi.columns.map((c) => c.name),
      });
    }
    const meanings = (column: string) =>
      new Set(
        kpis.flatMap((k) => k.columns.filter((c) => c.name === column)).map((c) => c.description),
      );
    expect(meanings('chiffre_affaires').size).toBe(1);
    expect([...meanings('chiffre_affaires')][0]).toContain('montant_total');
    expect([...meanings('ventes_lignes')][0]).toContain('quantite * prix_unitaire');
    expect(meanings('ventes_lignes').size).toBe(1);
    await get('/kpis', 'writer').expect(403);
  });

  it('answers 404 for an unknown KPI, naming the known ones', async () => {
    const res = await get('/kpis/churn').expect(404);
    expect(res.body.message).toContain(
      'revenue, basket, line-sales, top-products, footfall, conversion, stock-alerts, data-quality',
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

  // Last: it changes the data the tests above computed by hand.
  it('counts the lines an import rejected for an unknown transaction, and no other rejection', async () => {
    // Line 1 updates line 1 (2 x 9.99 against a receipt of 7), line 2 names transaction 999,
    // line 3 product 888, line 4 a quantity of 0.
    await request(app.getHttpServer())
      .post('/datasets/details_transactions/imports')
      .set('Authorization', authorization('writer'))
      .attach('file', join(__dirname, '../fixtures/csv/not-ok/details_fk_miss.csv'))
      .expect(201);
    const res = await get('/kpis/data-quality').expect(200);
    expect(res.body.rows).toEqual([
      {
        transactions: 5,
        transactions_ecart: 2,
        ecart_montant: 19.98,
        transactions_sans_lignes: 1,
        montant_sans_lignes: 5,
        lignes_transaction_inconnue: 1,
      },
    ]);
  });
});
