import request from 'supertest';
import { fixture, ImportHarness } from '../support/import-harness';
import { bearer } from '../support/role-tokens';

describe('POST /datasets/{dataset}/imports and the import history API', () => {
  let h: ImportHarness;
  // Writers import; every call carries a writer's role token unless a test says otherwise.
  const http = () => {
    const agent = request(h.app.getHttpServer());
    return {
      post: (path: string) => agent.post(path).set(...bearer('writer')),
      get: (path: string) => agent.get(path).set(...bearer('writer')),
    };
  };
  beforeAll(async () => {
    h = await ImportHarness.start({ IMPORT_MAX_BYTES: '2048' });
  });
  afterAll(() => h.stop());

  it('streams a multipart upload into the database and answers 201 with the report', async () => {
    const res = await http()
      .post('/datasets/clients/imports')
      .attach('file', fixture('ok/clients.csv'))
      .expect(201);
    expect(res.body).toMatchObject({
      dataset: 'clients',
      source: 'upload',
      mode: 'default',
      fileName: 'clients.csv',
      status: 'succeeded',
      counts: { rowsRead: 3, inserted: 3, updated: 0, unchanged: 0, rejected: 0 },
    });
    expect(res.body.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(await h.rows('clients')).toHaveLength(3);
  });

  it('answers 413 with a clear message above IMPORT_MAX_BYTES, and imports nothing', async () => {
    const res = await http()
      .post('/datasets/clients/imports')
      .attach('file', fixture('not-ok/clients_invalid_utf8_late.csv'))
      .expect(413);
    expect(res.body.message).toBe(
      'the file is larger than the upload limit of 2048 bytes (IMPORT_MAX_BYTES); nothing was imported',
    );
    expect(await h.rows('clients')).toHaveLength(3);
    const [run] = await h.query<{ status: string; error: string }>(
      `SELECT status, error FROM import_runs ORDER BY started_at DESC LIMIT 1`,
    );
    expect(run).toEqual({ status: 'failed', error: res.body.message });
  });

  it('refuses an upload without a token (401) and from an analyst (403), reading nothing', async () => {
    const before = await h.rows('clients');
    await request(h.app.getHttpServer())
      .post('/datasets/clients/imports')
      .attach('file', fixture('ok/clients.csv'))
      .expect(401);
    const refused = await request(h.app.getHttpServer())
      .post('/datasets/clients/imports')
      .set(...bearer('analyst'))
      .attach('file', fixture('ok/clients.csv'))
      .expect(403);
    expect(refused.body.statusCode).toBe(403);
    expect(await h.rows('clients')).toEqual(before);
  });

  it('answers 400 listing the dataset names for an unknown dataset or a file-name alias', async () => {
    const names =
      'dataset must be one of clients, magasins, produits, cartes_fidelite, transactions, details_transactions, cameras, capteurs_iot';
    for (const dataset of ['unicorns', 'stores', 'Clients', 'clients.csv']) {
      const res = await http()
        .post(`/datasets/${encodeURIComponent(dataset)}/imports`)
        .attach('file', fixture('ok/clients.csv'))
        .expect(400);
      expect(res.body.message).toBe(names);
    }
  });

  it('refuses an unknown query parameter naming the accepted ones', async () => {
    const res = await http()
      .post('/datasets/clients/imports?mod=atomic')
      .attach('file', fixture('ok/clients.csv'))
      .expect(400);
    expect(res.body.message).toBe(
      'unknown query parameter "mod" for an upload; accepted: mode, encoding, allowReinstate',
    );
  });

  it('no longer answers the pre-1.0 upload path POST /imports/{dataset}', async () => {
    await http().post('/imports/clients').attach('file', fixture('ok/clients.csv')).expect(404);
  });

  it('validates the dataset, mode and encoding before reading the body: no run is recorded', async () => {
    const [before] = await h.query<{ n: string }>(`SELECT count(*) AS n FROM import_runs`);
    await http()
      .post('/datasets/stores/imports')
      .attach('file', fixture('not-ok/clients_invalid_utf8_late.csv'))
      .expect(400);
    await http()
      .post('/datasets/clients/imports?mode=sometimes')
      .attach('file', fixture('not-ok/clients_invalid_utf8_late.csv'))
      .expect(400);
    const [after] = await h.query<{ n: string }>(`SELECT count(*) AS n FROM import_runs`);
    expect(after.n).toBe(before.n);
  });

  it('answers 415 when the body is not multipart/form-data', async () => {
    await http()
      .post('/datasets/clients/imports')
      .set('content-type', 'text/csv')
      .send('client_id\n1\n')
      .expect(415);
  });

  it('answers 400 for an empty file, a missing file field, an unknown mode and an unknown encoding', async () => {
    const empty = await http()
      .post('/datasets/clients/imports')
      .attach('file', fixture('not-ok/empty.csv'))
      .expect(400);
    expect(empty.body.message).toBe('clients: the file is empty (no header line)');
    await http().post('/datasets/clients/imports').field('note', 'no file').expect(400);
    await http()
      .post('/datasets/clients/imports')
      .attach('other', fixture('ok/clients.csv'))
      .expect(400);
    const mode = await http()
      .post('/datasets/clients/imports?mode=sometimes')
      .attach('file', fixture('ok/clients.csv'))
      .expect(400);
    expect(mode.body.message).toBe('mode must be "default" or "atomic"');
    const encoding = await http()
      .post('/datasets/clients/imports?encoding=ebcdic')
      .attach('file', fixture('ok/clients.csv'))
      .expect(400);
    expect(encoding.body.message).toBe(
      'encoding must be one of utf-8, windows-1252, utf-16le, utf-16be',
    );
  });

  it('answers 400 naming missing columns, and 400 in atomic mode when a row is bad', async () => {
    const missing = await http()
      .post('/datasets/clients/imports')
      .attach('file', fixture('not-ok/clients_missing_column.csv'))
      .expect(400);
    expect(missing.body.message).toMatch(/missing required column\(s\): email; found:/);
    const before = await h.rows('clients');
    expect(before.map((r) => r.client_id)).not.toContain(71);
    const atomic = await http()
      .post('/datasets/clients/imports?mode=atomic')
      .attach('file', fixture('not-ok/clients_formula_values.csv'))
      .expect(400);
    expect(atomic.body.message).toBe('atomic import refused: 2 invalid row(s); nothing was loaded');
    // Row 71 of that file is valid: an atomic refusal must not load it either.
    expect(await h.rows('clients')).toEqual(before);
    const run = await http().get(`/imports/${atomic.body.details.importId}`).expect(200);
    expect(run.body).toMatchObject({ mode: 'atomic', status: 'failed' });
    expect(run.body.counts).toMatchObject({ inserted: 0, updated: 0 });
  });

  it('lists runs newest first, paginated, and serves one run or 404/400', async () => {
    const page = await http().get('/imports?limit=2&offset=0').expect(200);
    expect(page.body.items).toHaveLength(2);
    expect(page.body.total).toBeGreaterThanOrEqual(5);
    const items = page.body.items as { startedAt: string }[];
    const times = items.map((r) => Date.parse(r.startedAt));
    expect(times[0]).toBeGreaterThanOrEqual(times[1]);
    const one = await http().get(`/imports/${page.body.items[0].id}`).expect(200);
    expect(one.body.id).toBe(page.body.items[0].id);
    await http().get('/imports/00000000-0000-4000-8000-000000000000').expect(404);
    await http().get('/imports/not-a-uuid').expect(400);
    await http().get('/imports?limit=0').expect(400);
  });

  it('serves every rejection as CSV with formula-looking cells defused', async () => {
    const res = await http()
      .post('/datasets/produits/imports')
      .attach('file', fixture('not-ok/produits_formula_values.csv'))
      .expect(201);
    expect(res.body.counts).toMatchObject({ inserted: 1, rejected: 2 });
    const csv = await http().get(`/imports/${res.body.id}/rejections`).expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.text).toBe(
      'line,column,reason,value,value_shape\n' +
        `2,produit_id,not an integer,"'=HYPERLINK(""http://evil"")","25 characters: letters, punctuation"\n` +
        '3,produit_id,not an integer,\'@SUM(1),"7 characters: digits, letters, @, punctuation"\n',
    );
    await http().get('/imports/00000000-0000-4000-8000-000000000000/rejections').expect(404);
  });

  it('serves the rejections of a dataset with personal data with shapes, never values', async () => {
    const res = await http()
      .post('/datasets/clients/imports')
      .attach('file', fixture('not-ok/clients_formula_values.csv'))
      .expect(201);
    expect(res.body.counts).toMatchObject({ inserted: 1, rejected: 2 });
    const csv = await http().get(`/imports/${res.body.id}/rejections`).expect(200);
    expect(csv.text).toBe(
      'line,column,reason,value,value_shape\n' +
        '3,client_id,not an integer,,"25 characters: letters, punctuation"\n' +
        '4,client_id,not an integer,,"7 characters: digits, letters, @, punctuation"\n',
    );
    await http().get('/imports/00000000-0000-4000-8000-000000000000/rejections').expect(404);
  });
});
