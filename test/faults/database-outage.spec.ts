/**
 * PostgreSQL stopped under the running service (fast shutdown, the real server) and started
 * again: the process survives, callers get 503 with Retry-After while it is down, the upload
 * cut short is recorded as failed once the database is back, and everything recovers without
 * restarting the service.
 */
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { listeningApp } from '../support/http-app';
import { OwnPostgres } from '../support/own-postgres';
import { bearer } from '../support/role-tokens';
import { sampleFile } from '../support/sample-files';

const CLIENTS = 100_000;

async function eventually<T>(check: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the database stops and starts under the service', () => {
  let pg: OwnPostgres;
  let app: INestApplication;
  let bigClients: string;
  const http = () => request(app.getHttpServer());
  const read = () =>
    http()
      .get('/datasets/clients/records?limit=5')
      .set(...bearer('admin'))
      .timeout(20_000);
  const upload = (path: string) =>
    http()
      .post('/datasets/clients/imports')
      .set(...bearer('writer'))
      .attach('file', path)
      .timeout(120_000);

  beforeAll(async () => {
    bigClients = await sampleFile('clients', { clients: CLIENTS });
    pg = await OwnPostgres.start();
    app = await listeningApp(pg.config({ DB_ACQUIRE_TIMEOUT_MS: '1000' }));
  });
  afterAll(async () => {
    await app?.close();
    await pg?.end();
  });

  it('survives a stop mid-COPY: the upload answers 503, the process stays up', async () => {
    const uploading = upload(bigClients).then((r) => r);
    // Stop only once the COPY has written rows: the fault must land mid-write.
    await eventually(async () => {
      const [p] = await pg.query<{ n: string }>(
        `SELECT tuples_processed AS n FROM pg_stat_progress_copy`,
      );
      return p && Number(p.n) > 0 ? true : undefined;
    }, 'the COPY to start writing');
    await pg.stop();

    const res = await uploading;
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    expect(res.body).toMatchObject({
      statusCode: 503,
      message: 'the database is unavailable; retry shortly',
    });
    expect(JSON.stringify(res.body)).not.toMatch(/sendCopyFail|TypeError|at /);
  });

  it('answers 503 with Retry-After to reads, KPIs, uploads and readiness while the database is down; liveness stays 200', async () => {
    for (const res of [
      await read(),
      await http()
        .get('/kpis/revenue')
        .set(...bearer('analyst'))
        .timeout(20_000),
      await upload(bigClients),
      await http()
        .get('/imports')
        .set(...bearer('writer'))
        .timeout(20_000),
    ]) {
      expect({ status: res.status, retryAfter: res.headers['retry-after'] }).toEqual({
        status: 503,
        retryAfter: expect.stringMatching(/^\d+$/) as string,
      });
      expect(res.body.message).toMatch(/retry/);
    }
    await http().get('/health/ready').expect(503);
    await http().get('/health/live').expect(200);
  });

  it('recovers by itself when the database is back, and records the cut-short run as failed', async () => {
    await pg.restart();
    await eventually(async () => ((await read()).status === 200 ? true : undefined), 'reads');
    await eventually(
      async () => ((await http().get('/health/ready')).status === 200 ? true : undefined),
      'readiness',
    );
    const runs = await eventually(async () => {
      const rows = await pg.query<{ status: string; failure_kind: string; error: string }>(
        `SELECT status, failure_kind, error FROM import_runs ORDER BY started_at`,
      );
      return rows.every((r) => r.status !== 'running') ? rows : undefined;
    }, 'the interrupted run to be recorded');
    expect(runs).toEqual([
      {
        status: 'failed',
        failure_kind: 'unavailable',
        error: 'the database is unavailable; retry shortly',
      },
    ]);
    const [{ n }] = await pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM clients`);
    expect(n).toBe(0);

    const again = await upload(bigClients);
    expect(again.status).toBe(201);
    expect(again.body.counts).toMatchObject({ rowsRead: CLIENTS, inserted: CLIENTS });
  });
});
