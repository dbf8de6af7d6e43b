import request from 'supertest';
import { column } from '../support/page-body';
import { datasetCatalog } from '../../src/catalog/dataset-catalog';
import { HttpHarness, startHttpHarness } from '../support/http-app';
import { bearer } from '../support/role-tokens';
import { loadRetailFixture, manyClients } from '../support/retail-fixture';

const CLIENTS = 12;
const expected = manyClients(CLIENTS);

describe('reading records', () => {
  let h: HttpHarness;
  const get = (path: string, role: 'admin' | 'analyst' = 'admin') =>
    request(h.app.getHttpServer())
      .get(path)
      .set(...bearer(role));

  beforeAll(async () => {
    h = await startHttpHarness();
    await h.db.asOwner((c) => loadRetailFixture(c, CLIENTS));
  });
  afterAll(() => h.close());

  it('gives admin every client column in clear, typed, dates as written', async () => {
    const res = await get('/datasets/clients/records?limit=1').expect(200);
    expect(res.body.items).toEqual([expected[0]]);
  });

  describe('analyst masking, column by column (done by the pseudonymised view)', () => {
    const spec = datasetCatalog.get('clients');
    let items: Record<string, unknown>[];
    let raw: string;
    beforeAll(async () => {
      const res = await get(`/datasets/clients/records?limit=${CLIENTS}`, 'analyst').expect(200);
      items = res.body.items as Record<string, unknown>[];
      raw = res.text;
    });

    it.each(datasetCatalog.personalColumns(spec).map((c) => [c.name, c.analyst] as const))(
      '%s is %s',
      (column, visibility) => {
        const row = items[0];
        const clear = expected[0][column as keyof (typeof expected)[0]] as string;
        if (visibility === 'hidden') {
          expect(row).not.toHaveProperty(column);
          for (const c of expected) expect(raw).not.toContain(String(c[column as 'nom']));
        } else if (visibility === 'birth-year') {
          expect(row).not.toHaveProperty(column);
          expect(row.annee_naissance).toBe(Number(clear.slice(0, 4)));
          expect(raw).not.toContain(clear);
        } else {
          expect(row[column]).toBe(clear);
        }
      },
    );

    it('returns exactly the columns of the pseudonymised view', () => {
      expect(Object.keys(items[0])).toEqual([
        'client_id',
        'annee_naissance',
        'sexe',
        'ville',
        'date_inscription',
      ]);
    });
  });

  it('gives analyst non-personal datasets in clear', async () => {
    const res = await get('/datasets/transactions/records/3', 'analyst').expect(200);
    expect(res.body).toEqual({
      transaction_id: 3,
      client_id: 3,
      magasin_id: 1,
      date_achat: '2024-03-04',
      montant_total: '7.50',
      mode_paiement: 'carte',
    });
  });

  it('pages through every client in primary-key order without duplicates or gaps', async () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const res = await get(`/datasets/clients/records?limit=5${query}`).expect(200);
      seen.push(...(res.body.items as { client_id: number }[]).map((r) => r.client_id));
      cursor = res.body.nextCursor as string | null;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(expected.map((c) => c.client_id));
  });

  it('ends with a null cursor when the last page is exactly full', async () => {
    const first = await get('/datasets/clients/records?limit=6').expect(200);
    const second = await get(`/datasets/clients/records?limit=6&cursor=${first.body.nextCursor}`);
    expect(second.body.items).toHaveLength(6);
    expect(second.body.nextCursor).toBeNull();
  });

  it('keeps filters across pages', async () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const res = await get(`/datasets/transactions/records?magasin_id=2&limit=2${query}`);
      seen.push(...(res.body.items as { transaction_id: number }[]).map((r) => r.transaction_id));
      cursor = res.body.nextCursor as string | null;
    } while (cursor);
    expect(seen).toEqual([1, 4, 7, 10]);
  });

  it('filters on a foreign key and a date range (inclusive)', async () => {
    const res = await get(
      '/datasets/transactions/records?client_id=5&from=2024-03-06&to=2024-03-06',
    ).expect(200);
    expect(column(res, 'transaction_id')).toEqual([5]);
    const range = await get('/datasets/transactions/records?from=2024-03-03&to=2024-03-05');
    expect(column(range, 'transaction_id')).toEqual([2, 3, 4]);
  });

  it('filters timestamps by date-time on timestamp date columns', async () => {
    const res = await get('/datasets/cameras/records?from=2024-03-01T10:00&to=2024-03-01 12:00');
    expect(res.status).toBe(200);
    expect(column(res, 'date_heure')).toEqual([
      '2024-03-01 10:00:00',
      '2024-03-01 11:00:00',
      '2024-03-01 12:00:00',
    ]);
  });

  it('answers 404 for an unknown dataset and an absent record', async () => {
    const unknown = await get('/datasets/salaries/records').expect(404);
    expect(unknown.body.message).toBe('unknown dataset "salaries"');
    const absent = await get('/datasets/clients/records/999').expect(404);
    expect(absent.body.message).toBe('clients has no record 999');
  });

  it.each([
    ['color=red', 'unknown query parameter "color"'],
    ['magasin_id=1', 'unknown query parameter "magasin_id" for clients'],
    ['limit=0', 'limit must be an integer from 1 to 1000'],
    ['limit=1001', 'limit must be an integer from 1 to 1000'],
    ['limit=ten', 'limit must be an integer from 1 to 1000'],
    ['limit=5&limit=6', 'limit must be given once'],
    ['client_id=abc', 'client_id must be an integer from 1 to 2147483647'],
    ['client_id=0', 'client_id must be an integer from 1 to 2147483647'],
    ['client_id=99999999999', 'client_id must be an integer from 1 to 2147483647'],
    ['from=2024-02-30', 'from must be a date (YYYY-MM-DD)'],
    ['to=yesterday', 'to must be a date (YYYY-MM-DD)'],
    ['from=2024-05-01&to=2024-04-01', 'from must not be after to'],
    ['cursor=bm90LWEtY3Vyc29y', 'cursor is not a cursor of this clients listing'],
    ['email=not-an-address', 'email must be an e-mail address'],
  ])('answers 400 to ?%s, naming the parameter', async (query, message) => {
    const res = await get(`/datasets/clients/records?${query}`).expect(400);
    expect(res.body.message).toContain(message);
  });

  it('refuses a cursor taken from another dataset', async () => {
    const page = await get('/datasets/magasins/records?limit=1').expect(200);
    const res = await get(`/datasets/clients/records?cursor=${page.body.nextCursor}`).expect(400);
    expect(res.body.message).toBe('cursor is not a cursor of this clients listing');
  });

  describe('one record by id: its query string validated as the list route validates it', () => {
    it('answers 400 to an unknown parameter, naming what is accepted', async () => {
      const res = await get('/datasets/clients/records/1?bogus=1').expect(400);
      expect(res.body.message).toBe(
        'unknown query parameter "bogus" for one clients record; accepted: select',
      );
    });

    it('answers 400 to an empty select, as the list route does', async () => {
      const one = await get('/datasets/clients/records/1?select=').expect(400);
      const list = await get('/datasets/clients/records?select=').expect(400);
      expect(one.body.message).toBe(list.body.message);
    });

    it('answers 400 to a select of a column the role does not see', async () => {
      const res = await get('/datasets/clients/records/1?select=nom', 'analyst').expect(400);
      expect(res.body.message).toMatch(/^select names "nom", which is not a column your role sees/);
    });

    it('returns the selected columns, in that order', async () => {
      const res = await get('/datasets/clients/records/1?select=ville,client_id').expect(200);
      expect(Object.keys(res.body)).toEqual(['ville', 'client_id']);
      expect(res.body).toEqual({ ville: expected[0].ville, client_id: 1 });
    });
  });

  it('answers 400 for a record id that is not an id', async () => {
    const res = await get('/datasets/clients/records/1abc').expect(400);
    expect(res.body.message).toBe('id must be an integer from 1 to 2147483647');
  });
});
