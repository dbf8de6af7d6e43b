import request from 'supertest';
import { RETENTION_ACTOR } from '../../src/gdpr/retention/inactive-clients.target';
import { RetentionPurgeService } from '../../src/gdpr/retention/retention-purge.service';
import { aClient } from '../support/client-factory';
import { HttpHarness, startHttpHarness } from '../support/http-app';
import { insertClients } from '../support/retail-fixture';
import { bearer, nowSeconds, rawToken } from '../support/role-tokens';
import { inTransaction } from '../support/test-database';

const INACTIVE_DAYS = 400;
const DAY_MS = 86_400_000;
const day = (d: Date) => d.toISOString().slice(0, 10);

/**
 * RETENTION_DAYS_INACTIVE_CLIENTS: clients with no purchase since the cutoff, signed up before
 * it, are erased through the erasure path; everyone else stays, and the KPIs do not move.
 */
describe('inactivity retention (RETENTION_DAYS_INACTIVE_CLIENTS)', () => {
  let h: HttpHarness;
  const now = new Date();
  const cutoff = new Date(now.getTime() - INACTIVE_DAYS * DAY_MS);
  const before = (days: number) => day(new Date(cutoff.getTime() - days * DAY_MS));
  const after = (days: number) => day(new Date(cutoff.getTime() + days * DAY_MS));

  // id: [sign-up, purchase dates]
  const CLIENTS: Record<number, [string | null, string[]]> = {
    1: [before(300), [before(200)]], // bought, but long ago: erased
    2: [before(300), []], // never bought, signed up long ago: erased
    3: [null, [before(10)]], // unknown sign-up, last purchase before the cutoff: erased
    4: [before(300), [before(200), after(1)]], // bought again after the cutoff: kept
    5: [after(10), []], // signed up after the cutoff, nothing bought yet: kept
    6: [before(300), [day(cutoff)]], // bought on the cutoff day: kept
    7: [before(1), [before(1)]], // bought the day before the cutoff: erased
  };
  const ERASED = [1, 2, 3, 7];

  const living = () =>
    h.db.asOwner(async (c) =>
      (
        await c.query<{ client_id: number }>(
          'SELECT client_id FROM clients WHERE erased_at IS NULL ORDER BY client_id',
        )
      ).rows.map((r) => r.client_id),
    );
  const revenue = () =>
    h.db.asOwner(
      async (c) =>
        (await c.query('SELECT row_to_json(k)::text AS r FROM kpi_revenue_daily k ORDER BY 1'))
          .rows,
    );

  beforeAll(async () => {
    h = await startHttpHarness({
      RETENTION_DAYS_INACTIVE_CLIENTS: String(INACTIVE_DAYS),
      RETENTION_BATCH_ROWS: '2',
    });
    const owner = await h.db.connect('owner');
    try {
      await insertClients(
        owner,
        Object.entries(CLIENTS).map(([id, [signUp]]) =>
          aClient({ client_id: Number(id), date_inscription: signUp }),
        ),
      );
      await inTransaction(owner, { role: 'writer' }, async () => {
        await owner.query(
          `INSERT INTO magasins (magasin_id, nom, ville) VALUES (1, 'Centre', 'Lyon')`,
        );
        let id = 0;
        for (const [client, [, purchases]] of Object.entries(CLIENTS))
          for (const date of purchases)
            await owner.query(
              `INSERT INTO transactions (transaction_id, client_id, magasin_id, date_achat, montant_total)
               VALUES ($1, $2, 1, $3, 10)`,
              [++id, Number(client), date],
            );
      });
    } finally {
      await owner.end();
    }
  });
  afterAll(() => h.close());

  it("refuses an admin token that borrows the retention job's name: the client stays, nothing is audited under it", async () => {
    const borrowed = rawToken(
      { alg: 'HS256', typ: 'JWT' },
      { sub: RETENTION_ACTOR, role: 'admin', exp: nowSeconds() + 300 },
    );
    const res = await request(h.app.getHttpServer())
      .delete('/clients/4')
      .set('Authorization', `Bearer ${borrowed}`)
      .expect(401);
    expect(res.body.message).toMatch(/^Token subjects \(sub\) starting with "smartretail:"/);
    expect(await living()).toContain(4);
    const [{ n }] = await h.db.asOwner(
      async (c) => (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log')).rows,
    );
    expect(n).toBe(0);
  });

  it('erases exactly the inactive clients, in batches, audited, and KPIs unchanged', async () => {
    const kpisBefore = await revenue();
    const report = await h.app.get(RetentionPurgeService).purge(now);
    expect(report?.find((r) => r.target === 'inactive_clients')).toMatchObject({
      rows: ERASED.length,
      batches: 3,
      cutoff: cutoff.toISOString(),
    });
    expect(await living()).toEqual([4, 5, 6]);
    expect(await revenue()).toEqual(kpisBefore);

    const tombstones = await h.db.asOwner(async (c) => {
      const { rows } = await c.query<{ client_id: number; personal: number; key: boolean }>(
        `SELECT c.client_id,
                num_nonnulls(nom, prenom, email, date_naissance, sexe, ville, email_hash, pii_digest) AS personal,
                EXISTS (SELECT 1 FROM smartretail.client_keys k WHERE k.client_id = c.client_id) AS key
           FROM clients c WHERE erased_at IS NOT NULL ORDER BY client_id`,
      );
      return rows;
    });
    expect(tombstones).toEqual(ERASED.map((id) => ({ client_id: id, personal: 0, key: false })));

    const audit = await h.db.asOwner(async (c) => {
      const { rows } = await c.query<{ sub: string; action: string; record_ids: number[] }>(
        `SELECT sub, action, record_ids FROM audit_log WHERE action = 'erase' ORDER BY audit_id`,
      );
      return rows;
    });
    // Under the reserved prefix no token may carry: the rows can only be the job's.
    expect(RETENTION_ACTOR).toBe('smartretail:retention');
    expect(audit.every((a) => a.sub === RETENTION_ACTOR)).toBe(true);
    expect(audit.flatMap((a) => a.record_ids).sort()).toEqual(ERASED);

    const metrics = (await request(h.app.getHttpServer()).get('/metrics').expect(200)).text;
    expect(metrics).toContain(
      `smartretail_retention_purged_rows_total{target="inactive_clients"} ${ERASED.length}`,
    );
  });

  it('erases nothing more on the next run, and the erased are gone from reads', async () => {
    const report = await h.app.get(RetentionPurgeService).purge(now);
    expect(report?.find((r) => r.target === 'inactive_clients')?.rows).toBe(0);
    const res = await request(h.app.getHttpServer())
      .get('/datasets/clients/records')
      .set(...bearer('admin'))
      .expect(200);
    const items = (res.body as { items: { client_id: number }[] }).items;
    expect(items.map((c) => c.client_id)).toEqual([4, 5, 6]);
  });
});
