import Ajv from 'ajv';
import request from 'supertest';
import type { DatabaseRole } from '../../src/auth/database-role';
import { HttpHarness, startHttpHarness } from '../support/http-app';
import { manyClients } from '../support/retail-fixture';
import { bearer } from '../support/role-tokens';
import {
  BUSY_CLIENT,
  EXTRA_TRANSACTIONS,
  loadExportFixture,
  NEIGHBOUR_CLIENT,
} from './client-export-fixture';

interface ExportBody {
  format: string;
  version: number;
  clientId: number;
  requestId: string;
  client: Record<string, unknown>;
  cartes_fidelite: { carte_id: number; client_id: number }[];
  transactions: {
    transaction_id: number;
    client_id: number;
    montant_total: string;
    details_transactions: { detail_id: number; transaction_id: number }[];
  }[];
  auditEntries: Record<string, unknown>[];
}

describe('GET /clients/{id}/export (access and portability)', () => {
  let h: HttpHarness;
  const get = (path: string, role?: DatabaseRole, sub?: string) => {
    const req = request(h.app.getHttpServer()).get(path);
    return role ? req.set(...bearer(role, sub)) : req;
  };
  const ownerRows = <T>(sql: string, values: unknown[] = []) =>
    h.db.asOwner(async (c) => (await c.query<T & Record<string, unknown>>(sql, values)).rows);
  const ids = (rows: Record<string, unknown>[], key: string) =>
    rows.map((r) => Number(r[key])).sort((a, b) => a - b);
  const auditCount = async () =>
    Number((await ownerRows<{ n: string }>('SELECT count(*) AS n FROM audit_log'))[0].n);

  let exported: request.Response;
  let body: ExportBody;

  beforeAll(async () => {
    h = await startHttpHarness();
    await h.db.asOwner(loadExportFixture);
    // Reads that the audit trail keeps: a page with both clients, then one of the neighbour only.
    await get('/datasets/clients/records?limit=6', 'admin', 'alice').expect(200);
    await get(`/datasets/clients/records/${NEIGHBOUR_CLIENT}`, 'admin', 'bob').expect(200);
    exported = await get(`/clients/${BUSY_CLIENT}/export`, 'admin', 'dpo').expect(200);
    body = exported.body as ExportBody;
  });
  afterAll(() => h.close());

  it('answers one JSON document as an attachment', () => {
    expect(exported.headers['content-type']).toMatch(/^application\/json/);
    expect(exported.headers['content-disposition']).toBe(
      `attachment; filename="client-${BUSY_CLIENT}-export.json"`,
    );
    expect(body).toMatchObject({
      format: 'smartretail.client-export',
      version: 1,
      clientId: BUSY_CLIENT,
      requestId: exported.headers['x-request-id'],
    });
  });

  it("holds the client's profile in clear", () => {
    const expected = manyClients(6)[BUSY_CLIENT - 1];
    expect(body.client).toEqual(expected);
  });

  it('holds every loyalty card, transaction and line of the client, and nothing of others', async () => {
    const cards = await ownerRows('SELECT carte_id FROM cartes_fidelite WHERE client_id = $1', [
      BUSY_CLIENT,
    ]);
    const transactions = await ownerRows(
      'SELECT transaction_id FROM transactions WHERE client_id = $1',
      [BUSY_CLIENT],
    );
    const lines = await ownerRows(
      `SELECT d.detail_id FROM details_transactions d
         JOIN transactions t USING (transaction_id) WHERE t.client_id = $1`,
      [BUSY_CLIENT],
    );
    expect(transactions.length).toBe(EXTRA_TRANSACTIONS + 1);
    expect(ids(body.cartes_fidelite, 'carte_id')).toEqual(ids(cards, 'carte_id'));
    expect(body.transactions.map((t) => t.transaction_id)).toEqual(
      ids(transactions, 'transaction_id'),
    );
    const exportedLines = body.transactions.flatMap((t) => t.details_transactions);
    expect(ids(exportedLines, 'detail_id')).toEqual(ids(lines, 'detail_id'));
    expect(body.cartes_fidelite.every((c) => c.client_id === BUSY_CLIENT)).toBe(true);
    expect(body.transactions.every((t) => t.client_id === BUSY_CLIENT)).toBe(true);
    for (const t of body.transactions) {
      expect(t.details_transactions.every((d) => d.transaction_id === t.transaction_id)).toBe(true);
    }
    expect(body.transactions[1]).toMatchObject({ montant_total: '3.75', mode_paiement: 'espèces' });
  });

  it('covers every table that references clients in the database', async () => {
    const referencing = await ownerRows<{ table: string }>(
      `SELECT conrelid::regclass::text AS table FROM pg_constraint
        WHERE contype = 'f' AND confrelid = 'clients'::regclass`,
    );
    expect(referencing.length).toBeGreaterThan(0);
    for (const { table } of referencing) expect(Object.keys(body)).toContain(table);
  });

  it('holds the audit entries about the client, this export included, without other ids', () => {
    const entries = body.auditEntries;
    expect(entries.map((e) => e.sub)).toEqual(['alice', 'dpo']);
    expect(entries[1]).toMatchObject({
      role: 'admin',
      dataset: 'clients',
      requestId: exported.headers['x-request-id'],
    });
    for (const e of entries) expect(Object.keys(e)).not.toContain('recordIds');
  });

  it('mentions no other client anywhere in the document', () => {
    const text = exported.text;
    const neighbour = manyClients(6)[NEIGHBOUR_CLIENT - 1];
    expect(text).not.toContain(neighbour.email);
    expect(text).not.toContain(`"client_id":${NEIGHBOUR_CLIENT}`);
    expect(text).not.toContain('bob');
  });

  it('writes its own audit entry: who, when, which id, no personal value', async () => {
    const [row] = await ownerRows<Record<string, unknown>>(
      'SELECT * FROM audit_log WHERE request_id = $1',
      [exported.headers['x-request-id']],
    );
    expect(row).toMatchObject({
      sub: 'dpo',
      role: 'admin',
      dataset: 'clients',
      record_ids: [BUSY_CLIENT],
      record_count: 1,
    });
    expect(row.occurred_at).toBeInstanceOf(Date);
    const client = manyClients(6)[BUSY_CLIENT - 1];
    expect(JSON.stringify(row)).not.toContain(client.email);
    expect(JSON.stringify(row)).not.toContain(client.nom);
  });

  it('matches the schema it publishes in OpenAPI', async () => {
    const doc = (await get('/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      components: Record<string, unknown>;
    };
    const ok = doc.paths['/clients/{id}/export'].get.responses['200'] as {
      content: Record<string, { schema: { $ref: string } }>;
    };
    const ref = ok.content['application/json'].schema.$ref;
    const ajv = new Ajv({
      strict: false,
      allErrors: true,
      formats: { date: /^\d{4}-\d{2}-\d{2}$/, 'date-time': /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/ },
    });
    const validate = ajv.compile({ $ref: ref, components: doc.components });
    const valid = validate(body);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    // The records' schemas are closed: a column the catalog does not declare fails validation.
    expect(validate({ ...body, client: { ...body.client, extra: 1 } })).toBe(false);
    const documented = (
      doc.components.schemas as Record<string, { properties: Record<string, unknown> }>
    )[ref.split('/').pop()!].properties;
    expect(Object.keys(body).sort()).toEqual(Object.keys(documented).sort());
  });

  it('answers 404 for an unknown client and audits nothing', async () => {
    const before = await auditCount();
    const res = await get('/clients/999/export', 'admin').expect(404);
    expect(res.body).toMatchObject({
      statusCode: 404,
      message: 'client 999 does not exist or was erased',
    });
    expect(await auditCount()).toBe(before);
  });

  it.each(['abc', '0', '-3', '2147483648', '1.5'])('answers 400 for the id %p', async (id) => {
    const res = await get(`/clients/${id}/export`, 'admin').expect(400);
    expect(JSON.stringify(res.body)).toContain('id must be an integer from 1 to 2147483647');
  });

  it('answers 401 without a token and 403 to roles other than admin', async () => {
    await get(`/clients/${BUSY_CLIENT}/export`).expect(401);
    await get(`/clients/${BUSY_CLIENT}/export`, 'analyst').expect(403);
    await get(`/clients/${BUSY_CLIENT}/export`, 'writer').expect(403);
  });
});
