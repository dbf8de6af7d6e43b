/**
 * One caller can no longer take the read API down. Measured before: 20 parallel
 * `GET /datasets/clients/records?limit=1` with `Prefer: count=exact` on 600,000 clients gave
 * 4×200, 10×503 and 6×500 (`canceling statement due to statement timeout`), and another user's
 * page waited 5 s for a connection and got a 503. Now exact counts open no value (they read
 * v_clients_countable), run under EXPENSIVE_READ_TIMEOUT_MS, at most EXPENSIVE_READS_PER_CALLER
 * at once per caller (429 beyond), and a statement timeout anywhere is a 503 that says so.
 *
 * Slow statements are made by holding a lock, not by hoping for a slow machine: an open owner
 * transaction that replaced the countable view (or locked clients) makes every statement that
 * reads it wait until the lock is released, or until its statement timeout cancels it.
 */
import { INestApplication } from '@nestjs/common';
import request, { Response } from 'supertest';
import { datasetCatalog } from '../../src/catalog/dataset-catalog';
import { recordVisibility } from '../../src/catalog/record-visibility';
import { renderRecordViews } from '../../src/database/schema/record-views.renderer';
import { listeningApp } from '../support/http-app';
import { bearer } from '../support/role-tokens';
import { inTransaction, plantClients, TestDatabase } from '../support/test-database';

const CLIENTS = 20_000;
const FLOOD = 20;
const PER_CALLER = 2;

const countableViewSql = renderRecordViews(datasetCatalog, recordVisibility).find(
  (v) => v.name === 'v_clients_countable',
)!.sql;

describe('expensive reads are bounded per caller', () => {
  let db: TestDatabase;
  const apps: INestApplication[] = [];
  const start = async (overrides: Record<string, string>) => {
    const app = await listeningApp(db.config(overrides));
    apps.push(app);
    return app;
  };

  /** Runs `work` while an open owner transaction holds `lockSql`'s lock, then releases it. */
  async function whileLocked<T>(lockSql: string, work: () => Promise<T>): Promise<T> {
    const owner = await db.connect('owner');
    try {
      await owner.query('BEGIN');
      await owner.query(lockSql);
      return await work();
    } finally {
      await owner.query('ROLLBACK');
      await owner.end();
    }
  }
  const countableViewLocked = <T>(work: () => Promise<T>) => whileLocked(countableViewSql, work);

  const page = (app: INestApplication, sub: string, prefer?: string) => {
    const req = request(app.getHttpServer())
      .get('/datasets/clients/records?limit=1')
      .set(...bearer('analyst', sub));
    return (prefer ? req.set('Prefer', prefer) : req).then((r) => r);
  };

  beforeAll(async () => {
    db = await TestDatabase.create();
    await db.migrate();
    await plantClients(db, CLIENTS);
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await db.drop();
  });

  it('counts the rows of the personal views without any key: no value opened, no data key unwrapped', async () => {
    const client = await db.connect('app_user');
    try {
      const count = (view: string) =>
        inTransaction(client, { role: 'analyst', keys: 'none' }, () =>
          client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${view}`),
        );
      expect((await count('v_clients_countable')).rows).toEqual([{ n: CLIENTS }]);
      // The pseudonymised view unwraps each row's data key, which needs the encryption key.
      await expect(count('v_clients_pseudonymised')).rejects.toThrow();
    } finally {
      await client.end();
    }
  });

  it(`answers ${FLOOD} parallel exact counts of one caller with 200, 429 or 503 only, while another caller's pages are served`, async () => {
    const app = await start({
      EXPENSIVE_READS_PER_CALLER: String(PER_CALLER),
      EXPENSIVE_READ_TIMEOUT_MS: '60000',
    });
    const { flood, others, ownPage } = await countableViewLocked(async () => {
      const answered: Response[] = [];
      const flood = Array.from({ length: FLOOD }, () =>
        page(app, 'counting-analyst', 'count=exact').then((r) => {
          answered.push(r);
          return r;
        }),
      );
      // The first PER_CALLER counts wait for the lock; every other one is refused at once.
      while (answered.length < FLOOD - PER_CALLER) await new Promise((r) => setTimeout(r, 20));
      // (Pages without a count: any count, planned too, reads the view held by the lock.)
      const others = await Promise.all(
        Array.from({ length: 10 }, () => page(app, 'other-analyst')),
      );
      // The flooding caller's cheap reads are not refused either.
      const ownPage = await page(app, 'counting-analyst');
      return { flood: Promise.all(flood), others, ownPage };
    });
    const statuses = (await flood).map((r) => r.status);

    expect(statuses.filter((s) => ![200, 429, 503].includes(s))).toEqual([]);
    expect(statuses.filter((s) => s === 429)).toHaveLength(FLOOD - PER_CALLER);
    expect(statuses.filter((s) => s === 200)).toHaveLength(PER_CALLER);
    for (const res of await flood) {
      if (res.status === 200) {
        expect(res.headers['content-range']).toBe(`0-0/${CLIENTS}`);
        continue;
      }
      expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
      expect(res.body).toMatchObject({
        statusCode: 429,
        error: 'Too Many Requests',
        message: `you already run ${PER_CALLER} expensive read(s) (exact counts, CSV exports without limit); at most ${PER_CALLER} at a time per caller (EXPENSIVE_READS_PER_CALLER): retry when one has finished, or ask for Prefer: count=planned`,
      });
    }
    expect(others.map((r) => r.status)).toEqual(others.map(() => 200));
    expect(others.every((r) => r.body.items.length === 1)).toBe(true);
    expect(ownPage.status).toBe(200);
  });

  it('answers an exact count that outlasts EXPENSIVE_READ_TIMEOUT_MS with a 503 naming the limit, not a 500', async () => {
    // Long enough that the unlocked count below (20,000 rows) never outlasts it on a busy CI
    // machine: at 100 ms it did, and the "slot given back" check read a second timeout.
    const app = await start({ EXPENSIVE_READ_TIMEOUT_MS: '1000' });
    const res = await countableViewLocked(() => page(app, 'patient-analyst', 'count=exact'));
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    expect(res.body).toMatchObject({
      statusCode: 503,
      error: 'Service Unavailable',
      message:
        "the exact count took longer than EXPENSIVE_READ_TIMEOUT_MS (1000 ms) allows and was cancelled; ask for Prefer: count=planned (the planner's estimate), narrow the filters, or retry later",
    });
    // The slot was given back: the same caller counts again once the database is free.
    const again = await page(app, 'patient-analyst', 'count=exact');
    expect(again.status).toBe(200);
    expect(again.headers['content-range']).toBe(`0-0/${CLIENTS}`);
  });

  it('answers a statement timeout anywhere (page, record, CSV) with a 503 and Retry-After, never a 500', async () => {
    const app = await start({ STATEMENT_TIMEOUT_MS: '100' });
    const http = () => request(app.getHttpServer());
    const answers = await whileLocked('LOCK TABLE clients IN ACCESS EXCLUSIVE MODE', async () => [
      await http()
        .get('/datasets/clients/records?limit=5')
        .set(...bearer('admin')),
      await http()
        .get('/datasets/clients/records/1')
        .set(...bearer('admin')),
      await http()
        .get('/datasets/clients/records?limit=5')
        .set('Accept', 'text/csv')
        .set(...bearer('analyst')),
    ]);
    for (const res of answers) {
      expect({ status: res.status, retryAfter: res.headers['retry-after'] }).toEqual({
        status: 503,
        retryAfter: expect.stringMatching(/^[1-9]\d*$/) as string,
      });
      expect(res.body).toMatchObject({
        statusCode: 503,
        message:
          'the query took longer than STATEMENT_TIMEOUT_MS allows and was cancelled; retry shortly, or ask for less (narrower filters, a smaller limit)',
      });
    }
    await http()
      .get('/datasets/clients/records?limit=5')
      .set(...bearer('admin'))
      .expect(200);
  });

  it('counts exactly the rows the views show: an erased client is in neither', async () => {
    const app = await start({});
    await request(app.getHttpServer())
      .delete('/clients/7')
      .set(...bearer('admin'))
      .expect(204);
    for (const role of ['admin', 'analyst'] as const) {
      const res = await request(app.getHttpServer())
        .get('/datasets/clients/records?limit=1')
        .set('Prefer', 'count=exact')
        .set(...bearer(role));
      expect(res.headers['content-range']).toBe(`0-0/${CLIENTS - 1}`);
    }
  });
});
