import { INestApplication } from '@nestjs/common';
import { spawnSync } from 'node:child_process';
import request from 'supertest';
import { bearer } from '../support/role-tokens';
import { ImportRun } from '../../src/imports/history/import-run';
import { ImportRunEvents } from '../../src/imports/history/import-run-events';
import { requireCommand } from '../support/prometheus-server';
import { freePort } from '../support/service-process';
import { HttpHarness, listeningApp, startHttpHarness } from '../support/http-app';
import { outsideTheApi } from '../support/openapi-response-check';
import { TestDatabase } from '../support/test-database';

function aReport(overrides: Partial<ImportRun> = {}): ImportRun {
  const startedAt = new Date('2026-01-05T10:00:00Z');
  return {
    id: 'run-1',
    dataset: 'produits',
    source: 'upload',
    mode: 'default',
    fileName: 'produits-janvier.csv',
    sizeBytes: 4096,
    checksum: null,
    status: 'succeeded',
    startedAt,
    finishedAt: new Date(startedAt.getTime() + 2000),
    durationSeconds: 2,
    counts: { rowsRead: 10, inserted: 6, updated: 2, unchanged: 1, rejected: 1 },
    warnings: [],
    rejections: [],
    ...overrides,
  };
}

/** The value of one sample line (`name{labels} value`) in an exposition, or undefined. */
const sample = (body: string, series: string): number | undefined => {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('metrics', () => {
  let db: TestDatabase;
  let app: INestApplication;
  const scrape = async () => (await request(app.getHttpServer()).get('/metrics').expect(200)).text;

  let harness: HttpHarness;

  beforeAll(async () => {
    harness = await startHttpHarness();
    ({ db, app } = harness);
  });
  afterAll(() => harness.close());

  it('serves /metrics publicly in Prometheus text format, clean for promtool check metrics', async () => {
    const promtool = requireCommand('promtool');
    const res = await request(app.getHttpServer()).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const check = spawnSync(promtool, ['check', 'metrics'], { input: res.text, encoding: 'utf8' });
    expect({ status: check.status, problems: check.stdout + check.stderr }).toEqual({
      status: 0,
      problems: '',
    });
    expect(res.text).toContain('process_cpu_user_seconds_total');
    expect(res.text).toContain('# TYPE smartretail_processing_duration_seconds histogram');
  });

  it('turns a finished run published on ImportRunEvents into run, row, duration and freshness series', async () => {
    app.get(ImportRunEvents).publishFinished(aReport());
    const body = await scrape();
    const labels = 'dataset="produits",source="upload"';
    expect(sample(body, `smartretail_runs_total{${labels},status="succeeded"}`)).toBe(1);
    expect(sample(body, `smartretail_runs_total{${labels},status="failed"}`)).toBe(0);
    expect(
      sample(body, `smartretail_processing_duration_seconds_sum{${labels},status="succeeded"}`),
    ).toBe(2);
    expect(
      sample(body, `smartretail_processing_duration_seconds_count{${labels},status="succeeded"}`),
    ).toBe(1);
    for (const [outcome, n] of [
      ['inserted', 6],
      ['updated', 2],
      ['unchanged', 1],
      ['rejected', 1],
    ] as const) {
      expect(sample(body, `smartretail_rows_total{dataset="produits",outcome="${outcome}"}`)).toBe(
        n,
      );
    }
    expect(sample(body, `smartretail_last_insert_count{${labels}}`)).toBe(6);
    expect(sample(body, 'smartretail_import_rows_per_second{dataset="produits"}')).toBe(5);
    expect(sample(body, `smartretail_import_bytes_total{${labels}}`)).toBe(4096);
    expect(sample(body, 'smartretail_last_success_timestamp_seconds{dataset="produits"}')).toBe(
      Date.parse('2026-01-05T10:00:02Z') / 1000,
    );
    expect(body).not.toContain('produits-janvier.csv');
  });

  it('counts a failed run as an error without moving the last success', async () => {
    const before = sample(
      await scrape(),
      'smartretail_last_success_timestamp_seconds{dataset="cameras"}',
    );
    app
      .get(ImportRunEvents)
      .publishFinished(
        aReport({ dataset: 'cameras', source: 'schedule', status: 'failed', error: 'bad header' }),
      );
    const body = await scrape();
    expect(sample(body, 'smartretail_errors_total{dataset="cameras",source="schedule"}')).toBe(1);
    expect(
      sample(body, 'smartretail_runs_total{dataset="cameras",source="schedule",status="failed"}'),
    ).toBe(1);
    expect(sample(body, 'smartretail_last_success_timestamp_seconds{dataset="cameras"}')).toBe(
      before,
    );
  });

  it('labels HTTP durations with the route template and status class, never the raw URL', async () => {
    await request(app.getHttpServer())
      .get('/kpis/no-such-kpi?from=2025-01-01')
      .set(...bearer('analyst'))
      .expect(404);
    await request(app.getHttpServer()).get('/no/such/path/123').expect(404);
    const body = await scrape();
    expect(body).toMatch(
      /smartretail_http_request_duration_seconds_count\{method="GET",route="\/kpis\/:name",status_class="4xx"\} [1-9]/,
    );
    expect(body).toMatch(
      /smartretail_http_request_duration_seconds_count\{method="GET",route="unmatched",status_class="4xx"\} [1-9]/,
    );
    // The alert rules exclude scrapes by this exact label.
    expect(body).toMatch(
      /smartretail_http_request_duration_seconds_count\{method="GET",route="\/metrics",status_class="2xx"\} [1-9]/,
    );
    expect(body).not.toContain('no-such-kpi');
    expect(body).not.toContain('/no/such/path');
  });

  it('reports the database pool: connections by state, waiting clients and its size', async () => {
    const body = await scrape();
    // DB_POOL_SIZE (10) for requests, two per import that may run (IMPORT_CONCURRENCY 2).
    expect(sample(body, 'smartretail_db_pool_max_connections')).toBe(14);
    expect(sample(body, 'smartretail_db_pool_connections{state="idle"}')).toBeGreaterThanOrEqual(0);
    expect(sample(body, 'smartretail_db_pool_connections{state="in_use"}')).toBeGreaterThanOrEqual(
      0,
    );
    expect(sample(body, 'smartretail_db_pool_waiting_clients')).toBe(0);
    expect(sample(body, 'smartretail_db_pool_acquire_timeouts_total')).toBe(0);
  });

  it('reports every check of the last readiness probe as smartretail_ready{check}', async () => {
    await request(app.getHttpServer()).get('/health/ready').expect(200);
    const body = await scrape();
    expect(body).toContain('# TYPE smartretail_ready gauge');
    for (const check of ['database', 'migrations', 'encryption', 'disk', 'pool', 'imports']) {
      expect({ check, value: sample(body, `smartretail_ready{check="${check}"}`) }).toEqual({
        check,
        value: 1,
      });
    }
  });

  it('reports how late the event loop ran since the previous scrape, reset at each scrape', async () => {
    await scrape(); // starts a fresh interval
    // Holds this process's event loop (the app's too) for 300 ms, as a synchronous parse would.
    const until = performance.now() + 300;
    while (performance.now() < until);
    const stalled = await scrape();
    const worst = sample(stalled, 'smartretail_event_loop_lag_seconds{stat="max"}');
    expect(worst).toBeGreaterThanOrEqual(0.25);
    for (const stat of ['p50', 'p99'])
      expect(sample(stalled, `smartretail_event_loop_lag_seconds{stat="${stat}"}`)).toEqual(
        expect.any(Number),
      );
    const next = sample(await scrape(), 'smartretail_event_loop_lag_seconds{stat="max"}');
    expect(next).toBeLessThan(worst!);
  });

  describe('with METRICS_PORT', () => {
    let separate: INestApplication;
    let metricsPort: number;

    beforeAll(async () => {
      metricsPort = await freePort();
      separate = await listeningApp(
        db.config({ METRICS_PORT: String(metricsPort), HOST: '127.0.0.1' }),
      );
    });
    afterAll(() => separate.close());

    it('serves metrics on that port only', async () => {
      await request(separate.getHttpServer()).get('/metrics').expect(404);
      const res = await request(`http://127.0.0.1:${metricsPort}`).get('/metrics').expect(200);
      expect(res.text).toContain('# TYPE smartretail_runs_total counter');
      // The metrics listener is not the API: it answers 404 in plain text to anything else.
      await outsideTheApi(request(`http://127.0.0.1:${metricsPort}`).get('/health/live')).expect(
        404,
      );
    });
  });
});
