import { Client } from 'pg';
import request from 'supertest';
import { column } from '../support/page-body';
import type { DatabaseRole } from '../../src/auth/database-role';
import { HttpHarness, startHttpHarness } from '../support/http-app';
import { bearer } from '../support/role-tokens';
import { loadRetailFixture } from '../support/retail-fixture';
import { inTransaction } from '../support/test-database';

interface AuditRow {
  sub: string;
  role: string;
  dataset: string;
  record_ids: number[];
  record_count: number;
  request_id: string;
  correlation_id: string | null;
}

describe('audit of clear personal data', () => {
  let h: HttpHarness;
  const get = (path: string, role: DatabaseRole, sub?: string, requestId?: string) => {
    const req = request(h.app.getHttpServer())
      .get(path)
      .set(...bearer(role, sub));
    return requestId ? req.set('x-request-id', requestId) : req;
  };
  const auditRows = () =>
    h.db.asOwner(
      async (c) => (await c.query<AuditRow>('SELECT * FROM audit_log ORDER BY audit_id')).rows,
    );
  const lastAudit = async () => (await auditRows()).at(-1);

  beforeAll(async () => {
    h = await startHttpHarness();
    await h.db.asOwner((c) => loadRetailFixture(c, 6));
  });
  afterAll(() => h.close());

  it('writes who read which clients, under which role and request, with the page', async () => {
    const res = await get('/datasets/clients/records?limit=3', 'admin', 'alice', 'req-audit-1');
    expect(res.status).toBe(200);
    expect(await lastAudit()).toMatchObject({
      sub: 'alice',
      role: 'admin',
      dataset: 'clients',
      record_ids: [1, 2, 3],
      record_count: 3,
      request_id: res.headers['x-request-id'],
      correlation_id: 'req-audit-1',
    });
  });

  it("keys audit rows by the server's request id, never by the caller's X-Request-Id", async () => {
    const first = await get('/datasets/clients/records/1', 'admin', 'eve', 'same-id').expect(200);
    const second = await get('/datasets/clients/records/2', 'admin', 'eve', 'same-id').expect(200);
    const rows = (await auditRows()).slice(-2);
    expect(rows.map((r) => r.request_id)).toEqual([
      first.headers['x-request-id'],
      second.headers['x-request-id'],
    ]);
    expect(rows[0].request_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-/);
    expect(rows[0].request_id).not.toBe(rows[1].request_id);
    expect(rows.map((r) => r.correlation_id)).toEqual(['same-id', 'same-id']);
    const listed = await get('/audit?sub=eve&limit=1', 'admin').expect(200);
    expect(listed.body.items[0]).toMatchObject({
      requestId: second.headers['x-request-id'],
      correlationId: 'same-id',
    });
  });

  it('keeps no correlation id when the caller sends none, or one that is not plain', async () => {
    await get('/datasets/clients/records/1', 'admin', 'frank').expect(200);
    expect((await lastAudit())?.correlation_id).toBeNull();
    await get('/datasets/clients/records/1', 'admin', 'frank', 'a b;c').expect(200);
    expect((await lastAudit())?.correlation_id).toBeNull();
  });

  it('audits a single-record read and an e-mail lookup, even one that finds nothing', async () => {
    await get('/datasets/clients/records/5', 'admin', 'alice').expect(200);
    expect(await lastAudit()).toMatchObject({ record_ids: [5], record_count: 1 });
    await get('/datasets/clients/records?email=nobody@exemple.fr', 'admin', 'bob').expect(200);
    expect(await lastAudit()).toMatchObject({ sub: 'bob', record_ids: [], record_count: 0 });
  });

  it('writes nothing for non-personal data, pseudonymised reads, or refused requests', async () => {
    const before = (await auditRows()).length;
    await get('/datasets/magasins/records', 'admin').expect(200);
    await get('/datasets/clients/records', 'analyst').expect(200);
    await get('/datasets/clients/records?limit=0', 'admin').expect(400);
    await get('/datasets/clients/records', 'writer').expect(403);
    expect(await auditRows()).toHaveLength(before);
  });

  it('serves no clear data when its audit row cannot be written', async () => {
    const grant = (sql: string) => h.db.asOwner((c) => c.query(sql));
    const fn = 'smartretail.audit_personal_read(text, integer[], uuid, text)';
    const before = (await auditRows()).length;
    await grant(`REVOKE EXECUTE ON FUNCTION ${fn} FROM admin`);
    try {
      const res = await get('/datasets/clients/records', 'admin').expect(500);
      expect(res.text).not.toContain('@exemple.fr');
    } finally {
      await grant(`GRANT EXECUTE ON FUNCTION ${fn} TO admin`);
    }
    expect(await auditRows()).toHaveLength(before);
  });

  describe('GET /audit', () => {
    it('lists entries newest first, filtered by sub, paged by cursor', async () => {
      await get('/datasets/clients/records/1', 'admin', 'dave').expect(200);
      await get('/datasets/clients/records/2', 'admin', 'dave').expect(200);
      await get('/datasets/clients/records/3', 'admin', 'dave').expect(200);
      const first = await get('/audit?sub=dave&limit=2', 'admin').expect(200);
      expect(column(first, 'recordIds')).toEqual([[3], [2]]);
      const second = await get(`/audit?sub=dave&limit=2&cursor=${first.body.nextCursor}`, 'admin');
      expect(column(second, 'recordIds')).toEqual([[1]]);
      expect(second.body.nextCursor).toBeNull();
      expect(second.body.items[0]).toMatchObject({
        sub: 'dave',
        role: 'admin',
        dataset: 'clients',
        recordCount: 1,
      });
    });

    it('filters by time range', async () => {
      const future = await get('/audit?from=2999-01-01T00:00:00Z', 'admin').expect(200);
      expect(future.body.items).toEqual([]);
      const past = await get('/audit?to=2000-01-01', 'admin').expect(200);
      expect(past.body.items).toEqual([]);
      const all = await get('/audit?from=2000-01-01&to=2999-01-01', 'admin').expect(200);
      expect(all.body.items.length).toBe((await auditRows()).length);
    });

    it.each([
      ['from=yesterday', 'from must be a date or date-time (YYYY-MM-DD[THH:MM[:SS][Z|±HH:MM]])'],
      ['limit=5000', 'limit must be an integer from 1 to 1000'],
      ['cursor=bm9wZQ', 'cursor is not a cursor of this audit listing'],
      ['user=alice', 'unknown query parameter "user"'],
    ])('answers 400 to ?%s', async (query, message) => {
      const res = await get(`/audit?${query}`, 'admin').expect(400);
      expect(res.body.message).toContain(message);
    });
  });

  describe('append-only', () => {
    let appUser: Client;
    beforeAll(async () => {
      appUser = await h.db.connect('app_user');
    });
    afterAll(() => appUser.end());

    const attempts = [
      ['UPDATE', `UPDATE audit_log SET sub = 'nobody'`],
      ['DELETE', `DELETE FROM audit_log`],
      ['TRUNCATE', `TRUNCATE audit_log`],
      [
        'INSERT',
        `INSERT INTO audit_log (sub, role, dataset, record_ids, record_count, request_id) VALUES ('x', 'admin', 'clients', '{}', 0, 'r')`,
      ],
    ] as const;
    const cells = (['admin', 'writer', 'analyst'] as const).flatMap((role) =>
      attempts.map(([verb, sql]) => [role, verb, sql] as const),
    );

    it.each(cells)('%s cannot %s audit rows', async (role, _verb, sql) => {
      await expect(inTransaction(appUser, { role }, () => appUser.query(sql))).rejects.toEqual(
        expect.objectContaining({ code: '42501' }),
      );
    });

    it('app_user itself, without a role switch, cannot touch it', async () => {
      await expect(appUser.query(`DELETE FROM public.audit_log`)).rejects.toEqual(
        expect.objectContaining({ code: '42501' }),
      );
    });

    it.each(['UPDATE', 'DELETE', 'TRUNCATE'] as const)(
      'even the owner is stopped by the trigger on %s',
      async (verb) => {
        const sql = attempts.find(([v]) => v === verb)![1];
        await expect(h.db.asOwner((c) => c.query(sql))).rejects.toThrow('audit_log is append-only');
      },
    );

    it('only admin may call the audit function, and only with a caller in the transaction', async () => {
      const call = `SELECT smartretail.audit_personal_read('clients', '{1}', gen_random_uuid(), 'r')`;
      await expect(
        inTransaction(appUser, { role: 'analyst' }, () => appUser.query(call)),
      ).rejects.toEqual(expect.objectContaining({ code: '42501' }));
      await expect(
        inTransaction(appUser, { role: 'admin' }, () => appUser.query(call)),
      ).rejects.toEqual(expect.objectContaining({ code: 'SRA01' }));
    });
  });
});
