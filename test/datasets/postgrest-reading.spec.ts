/**
 * PostgREST-style reading over real HTTP against a real PostgreSQL: filters, order with keyset
 * cursors, select, counts, CSV (audited, formula-safe, streamed without a page limit), 406 and
 * gzip.
 */
import request from 'supertest';
import { aClient } from '../support/client-factory';
import { HttpHarness, startHttpHarness } from '../support/http-app';
import { column } from '../support/page-body';
import { bearer } from '../support/role-tokens';
import { insertClients, loadRetailFixture, manyClients } from '../support/retail-fixture';

const FIXTURE = 120;
/** Clients 121-130: no sign-up date, and values a spreadsheet would run as formulas. */
const SPECIAL = [
  aClient({ client_id: 121, date_inscription: null, ville: "=cmd|' /C calc'!A0" }),
  aClient({ client_id: 122, date_inscription: null, nom: '@SUM(1+1)*cmd|A0', ville: '+33' }),
  aClient({ client_id: 123, date_inscription: null, prenom: '-2+3', ville: '\tTab' }),
  ...manyClients(7, 124).map((c) => ({ ...c, date_inscription: null })),
];
const ALL = [...manyClients(FIXTURE), ...SPECIAL];
const TOTAL = ALL.length;

type Role = 'admin' | 'analyst';

describe('reading like PostgREST', () => {
  let h: HttpHarness;
  const get = (path: string, role: Role = 'admin') =>
    request(h.app.getHttpServer())
      .get(path)
      .set(...bearer(role));

  /** Every page of a listing, following nextCursor. */
  async function pages(path: string, role: Role = 'admin'): Promise<Record<string, unknown>[][]> {
    const out: Record<string, unknown>[][] = [];
    let cursor: string | null = null;
    do {
      const sep = path.includes('?') ? '&' : '?';
      const res = await get(`${path}${cursor ? `${sep}cursor=${cursor}` : ''}`, role).expect(200);
      out.push(res.body.items as Record<string, unknown>[]);
      cursor = res.body.nextCursor as string | null;
    } while (cursor && out.length < 100);
    return out;
  }

  beforeAll(async () => {
    h = await startHttpHarness();
    await h.db.asOwner(async (c) => {
      await loadRetailFixture(c, FIXTURE);
      await insertClients(c, SPECIAL);
    });
  });
  afterAll(() => h.close());

  describe('filters col=op.value, typed by the column', () => {
    // Fixture: transaction g has magasin 1 + g % 3, date 2024-03-01 + g, total g * 2.5.
    const tx = Array.from({ length: FIXTURE }, (_, i) => i + 1);
    const ids = (res: { body: unknown }) => column(res, 'transaction_id');

    it('combines in, gte on a date and lt on money (AND), across pages', async () => {
      const all = await pages(
        '/datasets/transactions/records?magasin_id=in.(1,2)&date_achat=gte.2024-03-31&montant_total=lt.200.00&limit=7',
        'analyst',
      );
      expect(all.flat().map((r) => r.transaction_id)).toEqual(
        tx.filter((g) => [1, 2].includes(1 + (g % 3)) && g >= 30 && g * 2.5 < 200),
      );
    });

    it.each([
      ['transaction_id=neq.1&transaction_id=lte.4', [2, 3, 4]],
      ['transaction_id=gt.117', [118, 119, 120]],
      ['date_achat=gte.2024-03-05&date_achat=lte.2024-03-07', [4, 5, 6]],
      ['montant_total=eq.5.00', [2]],
      ['montant_total=in.(2.50,7.5)', [1, 3]],
      ['mode_paiement=eq.carte&transaction_id=lt.3', [1, 2]],
      ['mode_paiement=neq.carte', []],
      ['magasin_id=2&transaction_id=lte.7', [1, 4, 7]],
      ['from=2024-03-05&to=2024-03-06', [4, 5]],
    ])('?%s', async (query, expected) => {
      expect(ids(await get(`/datasets/transactions/records?${query}`).expect(200))).toEqual(
        expected,
      );
    });

    it('filters text with quoted in.(...) values and dots, bound as values', async () => {
      const res = await get(
        '/datasets/magasins/records?nom=in.("Magasin 1","x, y",Magasin.2)',
      ).expect(200);
      expect(column(res, 'magasin_id')).toEqual([1]);
      const attack = await get(
        `/datasets/transactions/records?mode_paiement=${encodeURIComponent("eq.' OR 1=1 --")}`,
      ).expect(200);
      expect(attack.body.items).toEqual([]);
    });

    it.each([
      ['transactions', 'magasin_id=like.1', 'magasin_id has an unknown operator "like"'],
      ['transactions', 'magasin_id=gt.one', 'magasin_id needs an integer from'],
      [
        'transactions',
        'date_achat=gte.2024-02-30',
        'date_achat needs a date (YYYY-MM-DD) after gte.',
      ],
      ['transactions', 'date_achat=2024-03-01', 'date_achat must be <operator>.<value>'],
      ['transactions', 'montant_total=gt.1e3', 'montant_total needs a decimal amount'],
      ['transactions', 'magasin_id=in.()', 'magasin_id needs in.(v1,v2,...) with 1 to 100 values'],
      ['transactions', 'color=eq.red', 'unknown query parameter "color" for transactions'],
      ['clients', 'nom=eq.Dupont', 'nom is personal data and cannot be filtered'],
      ['clients', 'date_naissance=gte.1990-01-01', 'date_naissance is personal data'],
    ])('answers 400 on %s ?%s', async (dataset, query, message) => {
      const res = await get(`/datasets/${dataset}/records?${query}`).expect(400);
      expect(res.body.message).toContain(message);
    });

    it.each([
      ['ville=eq.Lyon', 400, 'ville is personal data and cannot be filtered'],
      ['annee_naissance=eq.1990', 400, 'annee_naissance is personal data and cannot be filtered'],
      ['email=eq.eloise.lefevre1@exemple.fr', 403, 'your role may not look clients up by email'],
      ['select=client_id,email', 400, 'select names "email", which is not a column your role sees'],
    ])('analyst on clients ?%s answers %i', async (query, status, message) => {
      const res = await get(`/datasets/clients/records?${query}`, 'analyst').expect(status);
      expect(res.body.message).toContain(message);
    });

    it('keeps the admin e-mail lookup, also as email=eq.<address>', async () => {
      const res = await get('/datasets/clients/records?email=eq.ELOISE.lefevre7@exemple.fr').expect(
        200,
      );
      expect(column(res, 'client_id')).toEqual([7]);
    });
  });

  describe('order= with keyset cursors', () => {
    const byDate = (descending: boolean) =>
      [...ALL]
        .sort((a, b) => {
          const ka = a.date_inscription ?? '9999';
          const kb = b.date_inscription ?? '9999';
          return ka === kb ? a.client_id - b.client_id : ka < kb ? -1 : 1;
        })
        .map((c) => c.client_id)
        [descending ? 'reverse' : 'slice']();

    it.each([
      ['date_inscription.asc', false],
      ['date_inscription', false],
      ['date_inscription.desc', true],
    ])(
      'pages through every client by %s (NULLs last in asc), no duplicates or gaps',
      async (order, descending) => {
        const all = await pages(`/datasets/clients/records?order=${order}&limit=9`);
        expect(all.length).toBe(Math.ceil(TOTAL / 9));
        expect(all.flat().map((r) => r.client_id)).toEqual(byDate(descending));
      },
    );

    it('orders by a foreign key descending, then by primary key descending', async () => {
      const all = await pages('/datasets/transactions/records?order=magasin_id.desc&limit=11');
      const expected = Array.from({ length: FIXTURE }, (_, i) => i + 1).sort(
        (a, b) => 1 + (b % 3) - (1 + (a % 3)) || b - a,
      );
      expect(all.flat().map((r) => r.transaction_id)).toEqual(expected);
    });

    it('orders by primary key descending', async () => {
      const all = await pages('/datasets/magasins/records?order=magasin_id.desc&limit=2');
      expect(all.flat().map((r) => r.magasin_id)).toEqual([3, 2, 1]);
    });

    it('pages by timestamp with a filter and select without the primary key', async () => {
      const all = await pages(
        '/datasets/cameras/records?order=date_heure.desc&select=nombre_clients,date_heure&magasin_id=neq.1&limit=1',
      );
      expect(all.flat()).toEqual([
        { nombre_clients: 5, date_heure: '2024-03-01 13:00:00' },
        { nombre_clients: 4, date_heure: '2024-03-01 12:00:00' },
        { nombre_clients: 2, date_heure: '2024-03-01 10:00:00' },
        { nombre_clients: 1, date_heure: '2024-03-01 09:00:00' },
      ]);
    });

    it('refuses a cursor made in another order, and unindexed orders', async () => {
      const page = await get('/datasets/clients/records?order=date_inscription.desc&limit=1');
      const cursor = page.body.nextCursor as string;
      for (const path of [
        `/datasets/clients/records?cursor=${cursor}`,
        `/datasets/clients/records?order=date_inscription.asc&cursor=${cursor}`,
      ]) {
        const res = await get(path).expect(400);
        expect(res.body.message).toBe(
          'cursor comes from a page in another order: pass the order it came with',
        );
      }
      const res = await get('/datasets/transactions/records?order=montant_total.desc').expect(400);
      expect(res.body.message).toBe(
        'order must be <column>.asc or <column>.desc with column one of transaction_id, client_id, magasin_id, date_achat (indexed columns)',
      );
    });

    it('answers a page in the order of an index range (the date index, then each date sorted by key)', async () => {
      const plan = await h.db.asOwner(async (c) => {
        await c.query('SET enable_seqscan = off');
        const { rows } = await c.query<{ 'QUERY PLAN': string }>(
          `EXPLAIN SELECT client_id FROM v_clients_decrypted r
            WHERE coalesce(r.date_inscription, 'infinity'::date) >= '2024-03-01'::date
              AND (coalesce(r.date_inscription, 'infinity'::date), r.client_id) > ('2024-03-01'::date, 5)
            ORDER BY coalesce(r.date_inscription, 'infinity'::date), r.client_id LIMIT 10`,
        );
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      });
      expect(plan).toContain('Index Scan using clients_date_inscription_idx');
      expect(plan).toMatch(/Index Cond: \(+COALESCE\(date_inscription, 'infinity'::date\) >= /);
      // Only the rows of one date at a time are sorted, never the table.
      expect(plan).toContain('Incremental Sort');
      expect(plan).not.toMatch(/(^|->\s+)Sort\s+\(/m);
    });
  });

  it('select= returns the chosen columns in the chosen order', async () => {
    const res = await get('/datasets/clients/records?select=ville,client_id&limit=1').expect(200);
    expect(res.body.items).toEqual([{ ville: ALL[0].ville, client_id: 1 }]);
    const dup = await get('/datasets/clients/records?select=ville,ville').expect(400);
    expect(dup.body.message).toBe('select names a column twice');
  });

  describe('counts: Prefer count=... and Content-Range', () => {
    it('counts exactly, with the position of each page', async () => {
      const first = await get('/datasets/clients/records?limit=50')
        .set('Prefer', 'count=exact')
        .expect(200);
      expect(first.headers['content-range']).toBe(`0-49/${TOTAL}`);
      expect(first.headers['preference-applied']).toBe('count=exact');
      const second = await get(`/datasets/clients/records?limit=50&cursor=${first.body.nextCursor}`)
        .set('Prefer', 'return=minimal, count=exact')
        .expect(200);
      expect(second.headers['content-range']).toBe(`50-99/${TOTAL}`);
    });

    it('counts the filtered rows and says */0 for nothing', async () => {
      const res = await get('/datasets/transactions/records?magasin_id=1&limit=5', 'analyst')
        .set('Prefer', 'count=exact')
        .expect(200);
      expect(res.headers['content-range']).toBe('0-4/40');
      const none = await get('/datasets/transactions/records?magasin_id=in.(9)')
        .set('Prefer', 'count=exact')
        .expect(200);
      expect(none.headers['content-range']).toBe('*/0');
    });

    it('gives the planner estimate for planned, an exact count for a small estimated', async () => {
      const planned = await get('/datasets/clients/records?limit=10')
        .set('Prefer', 'count=planned')
        .expect(200);
      expect(planned.headers['preference-applied']).toBe('count=planned');
      expect(planned.headers['content-range']).toMatch(/^0-9\/\d+$/);
      const estimated = await get('/datasets/clients/records?limit=10')
        .set('Prefer', 'count=estimated')
        .expect(200);
      expect(estimated.headers['content-range']).toBe(`0-9/${TOTAL}`);
      expect(estimated.headers['preference-applied']).toBe('count=estimated');
    });

    it('sends no Content-Range without a count preference, and ignores unknown ones', async () => {
      for (const prefer of [undefined, 'count=maybe', 'handling=lenient']) {
        const req = get('/datasets/clients/records?limit=10');
        const res = await (prefer ? req.set('Prefer', prefer) : req).expect(200);
        expect(res.headers['content-range']).toBeUndefined();
        expect(res.headers['preference-applied']).toBeUndefined();
      }
    });
  });

  describe('CSV: Accept: text/csv', () => {
    const csv = (path: string, role: Role = 'admin') =>
      get(path, role).set('Accept', 'text/csv').buffer(true);
    const auditRows = () =>
      h.db.asOwner(async (c) => {
        const { rows } = await c.query<{ record_ids: number[]; record_count: number }>(
          'SELECT record_ids, record_count FROM audit_log ORDER BY audit_id',
        );
        return rows;
      });

    it('streams every matching row (no page limit), the same rows as JSON, with a header line', async () => {
      const res = await csv('/datasets/clients/records').set('Prefer', 'count=exact').expect(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8; header=present');
      expect(res.headers['content-range']).toBe(`0-${TOTAL - 1}/${TOTAL}`);
      const lines = res.text.split('\r\n');
      expect(lines[0]).toBe(
        'client_id,nom,prenom,email,date_naissance,sexe,ville,date_inscription',
      );
      expect(lines).toHaveLength(TOTAL + 2); // header, rows, and the empty string after the last CRLF
      const json = await get('/datasets/clients/records?limit=3').expect(200);
      const first = json.body.items[0] as Record<string, string>;
      const fields = ['client_id', 'nom', 'prenom', 'email', 'date_naissance', 'sexe', 'ville'];
      expect(lines[1]).toBe(`${fields.map((f) => first[f]).join(',')},${first.date_inscription}`);
    });

    it('prefixes cells a spreadsheet would run as formulas (= + - @ tab CR) with a quote', async () => {
      const res = await csv('/datasets/clients/records?client_id=in.(121,122,123)').expect(200);
      const lines = res.text.split('\r\n');
      expect(lines[1]).toContain(`,'=cmd|' /C calc'!A0,`);
      expect(lines[2]).toContain(`,'@SUM(1+1)*cmd|A0,`);
      expect(lines[2]).toContain(`,'+33,`);
      expect(lines[3]).toContain(`,'-2+3,`);
      expect(lines[3]).toContain(`,'\tTab,`);
      expect(lines[1].endsWith(',')).toBe(true); // NULL sign-up date: an empty cell
    });

    it('audits an admin export in its transaction: one row naming exactly the ids streamed', async () => {
      const before = (await auditRows()).length;
      const res = await csv(
        '/datasets/clients/records?order=date_inscription.desc&client_id=gt.100&select=client_id,email',
      ).expect(200);
      const streamed = res.text
        .split('\r\n')
        .slice(1, -1)
        .map((l) => Number(l.split(',')[0]));
      const rows = await auditRows();
      expect(rows).toHaveLength(before + 1);
      expect(rows[rows.length - 1].record_ids).toEqual(streamed);
      expect(rows[rows.length - 1].record_count).toBe(30);
    });

    it('does not audit analyst exports, and shows analyst its view only', async () => {
      const before = (await auditRows()).length;
      const res = await csv('/datasets/clients/records?limit=2', 'analyst').expect(200);
      expect(res.text.split('\r\n')[0]).toBe(
        'client_id,annee_naissance,sexe,ville,date_inscription',
      );
      expect(res.text.split('\r\n')).toHaveLength(4);
      expect(res.text).not.toContain('@exemple.fr');
      expect(await auditRows()).toHaveLength(before);
    });

    it('applies limit, cursor, order and select like JSON', async () => {
      const page = await get('/datasets/transactions/records?order=date_achat.desc&limit=2').expect(
        200,
      );
      const res = await csv(
        `/datasets/transactions/records?order=date_achat.desc&limit=3&select=transaction_id,montant_total&cursor=${page.body.nextCursor}`,
      ).expect(200);
      expect(res.text).toBe(
        'transaction_id,montant_total\r\n118,295.00\r\n117,292.50\r\n116,290.00\r\n',
      );
    });
  });

  describe('content negotiation and compression', () => {
    it.each([
      ['application/xml', 406],
      ['text/csv;q=0, application/json;q=0', 406],
      ['text/html', 406],
      ['*/*', 200],
      ['application/*', 200],
    ])('Accept: %s answers %i', async (accept, status) => {
      const res = await get('/datasets/magasins/records').set('Accept', accept).expect(status);
      if (status === 406) {
        expect(res.body.message).toBe(
          'none of the media types in Accept can be served: records are available as application/json (the default) or text/csv',
        );
      } else {
        expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      }
    });

    it('prefers CSV when the client does (text/*, or a higher quality)', async () => {
      for (const accept of ['text/*', 'application/json;q=0.5, text/csv']) {
        const res = await get('/datasets/magasins/records').set('Accept', accept).expect(200);
        expect(res.headers['content-type']).toMatch(/^text\/csv/);
      }
    });

    it.each([
      ['application/json', '/datasets/clients/records?limit=1000'],
      ['text/csv', '/datasets/clients/records'],
    ])('gzips %s when asked, and the body round-trips', async (accept, path) => {
      const plain = await get(path)
        .set('Accept', accept)
        .set('Accept-Encoding', 'identity')
        .buffer(true);
      expect(plain.headers['content-encoding']).toBeUndefined();
      const zipped = await get(path)
        .set('Accept', accept)
        .set('Accept-Encoding', 'gzip')
        .buffer(true);
      expect(zipped.headers['content-encoding']).toBe('gzip');
      expect(zipped.text).toBe(plain.text); // superagent gunzips the body
      expect(Number(zipped.headers['content-length'] ?? 0)).toBeLessThan(plain.text.length);
    });
  });
});
