/**
 * The monitoring stack against the real things: the service (embedded PostgreSQL, the sample
 * data of data/ imported at start-up), a real Prometheus scraping it, and every query of every
 * provisioned dashboard, run as Grafana would run it. Also proves what the `grafana` database
 * role cannot read.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JwtService } from '@nestjs/jwt';
import { Client } from 'pg';
import { datasetCatalog } from '../../src/catalog/dataset-catalog';
import { DATASET_NAMES } from '../../src/catalog/dataset.types';
import {
  expandPromQL,
  expandSql,
  loadDashboards,
  panelQueries,
  POSTGRES,
  PROMETHEUS,
  variableQueries,
} from '../support/grafana-dashboards';
import { PrometheusServer, requireCommand } from '../support/prometheus-server';
import { freePort, ServiceProcess } from '../support/service-process';

const REPO = join(__dirname, '../..');
/** The sample data (data/) covers 2025. */
const RANGE = { from: '2025-01-01T00:00:00Z', to: '2025-12-31T23:59:59Z' };
const PERMISSION_DENIED = /permission denied/;

jest.setTimeout(300_000);

const dashboards = loadDashboards();
const queries = panelQueries(dashboards);
const variables = variableQueries(dashboards);

/** Sum of the samples of `metric` whose label set contains `labels`, from a scrape body. */
function sampleSum(body: string, metric: string, labels: string): number {
  return body
    .split('\n')
    .filter((l) => l.startsWith(`${metric}{`) && l.includes(labels))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

describe('dashboards and alerts against the running service and a real Prometheus', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'smartretail-observability-'));
  let service: ServiceProcess | undefined;
  let prometheus: PrometheusServer | undefined;
  let grafana: Client | undefined;
  let serviceUrl = '';

  beforeAll(async () => {
    requireCommand('prometheus');
    const port = await freePort();
    const pgPort = await freePort();
    serviceUrl = `http://127.0.0.1:${port}`;
    service = ServiceProcess.start({
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: String(port),
      EMBEDDED_PG_PORT: String(pgPort),
      IMPORT_DIR: join(REPO, 'data'),
      IMPORT_ON_START: 'true',
      // A fresh checkout's files are seconds old: import them at start-up, settled or not.
      IMPORT_SETTLE_MS: '0',
    });
    await service.waitFor('SmartRetail listening', 120_000);
    await waitForSampleImport(serviceUrl, service);
    const secrets = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')) as Record<
      string,
      string
    >;
    await apiTraffic(serviceUrl, secrets.JWT_SECRET);

    prometheus = await PrometheusServer.start({
      target: `127.0.0.1:${port}`,
      ruleFile: join(REPO, 'prometheus/alerts.yml'),
    });
    // Enough scrapes (1 s apart) for rate() over the dashboards' 1m windows.
    await prometheus.waitUntil(async () => {
      const r = await prometheus!.query('count_over_time(up{job="smartretail"}[1m])');
      return Number((r.data?.result[0] as { value?: [number, string] })?.value?.[1]) >= 8;
    }, 'eight scrapes of the service');

    grafana = new Client({
      host: '127.0.0.1',
      port: pgPort,
      database: 'smartretail',
      user: 'grafana',
      password: secrets.GRAFANA_DB_PASSWORD,
    });
    await grafana.connect();
  });

  afterAll(async () => {
    await grafana?.end();
    await prometheus?.stop();
    await service?.stop('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finds panels on both dashboards, each marked as expecting data or not', () => {
    expect(dashboards.map((d) => d.title).sort()).toEqual([
      'SmartRetail — Business',
      'SmartRetail — Pipeline',
    ]);
    expect(queries.length).toBeGreaterThan(20);
    for (const q of queries) {
      expect({ panel: q.panel, marked: typeof q.expectsData }).toEqual({
        panel: q.panel,
        marked: 'boolean',
      });
      expect([PROMETHEUS, POSTGRES]).toContain(q.datasourceType);
    }
  });

  it('exposes, after the sample import, metrics that promtool check metrics finds clean', async () => {
    const body = await (await fetch(`${serviceUrl}/metrics`)).text();
    const check = spawnSync(requireCommand('promtool'), ['check', 'metrics'], {
      input: body,
      encoding: 'utf8',
    });
    expect({ status: check.status, problems: check.stdout + check.stderr }).toEqual({
      status: 0,
      problems: '',
    });
    expect(sampleSum(body, 'smartretail_rows_total', 'outcome="inserted"')).toBeGreaterThan(0);
  });

  it('loads the alert rules into Prometheus', async () => {
    const res = await fetch(`${prometheus!.url}/api/v1/rules`);
    const body = (await res.json()) as { data: { groups: { rules: { name: string }[] }[] } };
    const names = body.data.groups.flatMap((g) => g.rules.map((r) => r.name));
    expect(names).toEqual(
      expect.arrayContaining([
        'SmartRetailImportFailing',
        'SmartRetailDataStale',
        'SmartRetailHighRejectionRatio',
        'SmartRetailImportStuck',
        'SmartRetailApiErrorRatio',
        'SmartRetailApiLatencyHigh',
        'SmartRetailDbPoolSaturated',
        'SmartRetailNotReady',
        'SmartRetailTargetDown',
        'SmartRetailTargetAbsent',
        'job_instance_status_class:smartretail_api_requests:rate5m',
      ]),
    );
  });

  it('answers every template variable query of every dashboard with values', async () => {
    expect(variables.length).toBeGreaterThan(1);
    const expected: Record<string, string[]> = {
      job: ['smartretail'],
      instance: [serviceUrl.replace('http://', '')],
      dataset: [...DATASET_NAMES],
    };
    for (const v of variables) {
      if (v.type === 'datasource') {
        expect([PROMETHEUS, POSTGRES]).toContain(v.query);
      } else if (v.datasourceType === PROMETHEUS) {
        const m = /^label_values\((\w+(?:\{[^}]*\})?),\s*(\w+)\)$/.exec(v.query);
        if (!m) throw new Error(`unsupported Prometheus variable query ${v.name}: ${v.query}`);
        const selector = expandPromQL(m[1], { job: '.*' });
        expect(await prometheus!.labelValues(selector, m[2])).toEqual(
          expect.arrayContaining(expected[v.name]),
        );
      } else {
        const { rows } = await grafana!.query(v.query);
        expect(rows.length).toBeGreaterThan(0);
      }
    }
  });

  it('runs every PromQL panel query through Prometheus, with data where the panel expects it', async () => {
    const promQueries = queries.filter((q) => q.datasourceType === PROMETHEUS);
    expect(promQueries.length).toBeGreaterThan(10);
    const failures: string[] = [];
    for (const q of promQueries) {
      const result = await prometheus!.query(
        expandPromQL(q.query, { dataset: '.*', job: '.*', instance: '.*' }),
      );
      const name = `${q.dashboard} / ${q.panel} / ${q.refId}`;
      if (result.status !== 'success') failures.push(`${name}: ${result.error}`);
      else if (q.expectsData && !result.data?.result.length) failures.push(`${name}: no data`);
    }
    expect(failures).toEqual([]);
  });

  it('runs every SQL panel query as the grafana role, with data where the panel expects it', async () => {
    const stores = await grafana!.query<{ id: number }>('SELECT magasin_id AS id FROM kpi_stores');
    // Grafana renders a multi-value SQL variable as quoted, comma-separated values.
    const magasin = stores.rows.map((r) => `'${r.id}'`).join(',');
    const sqlQueries = queries.filter((q) => q.datasourceType === POSTGRES);
    expect(sqlQueries.length).toBeGreaterThan(8);
    const failures: string[] = [];
    for (const q of sqlQueries) {
      const name = `${q.dashboard} / ${q.panel}`;
      try {
        const { rows } = await grafana!.query(expandSql(q.query, RANGE, { magasin }));
        if (q.expectsData && !rows.length) failures.push(`${name}: no rows`);
      } catch (error) {
        failures.push(`${name}: ${(error as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('gives the grafana role no personal column, no decrypted view and no base table', async () => {
    const denied = async (sql: string) =>
      expect(grafana!.query(sql)).rejects.toThrow(PERMISSION_DENIED);
    for (const spec of datasetCatalog.all()) {
      await denied(`SELECT 1 FROM ${spec.table} LIMIT 1`);
      await denied(`SELECT 1 FROM ${datasetCatalog.decryptedView(spec)} LIMIT 1`);
      for (const column of datasetCatalog.personalColumns(spec)) {
        await denied(`SELECT ${column.name} FROM ${spec.table} LIMIT 1`);
      }
    }
    await denied('SELECT 1 FROM v_clients_pseudonymised LIMIT 1');
    const { rows } = await grafana!.query<{ relation: string }>(`
      SELECT c.relname AS relation
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
         AND c.relkind IN ('r', 'v', 'm', 'p')
         AND has_table_privilege(c.oid, 'SELECT')`);
    expect(rows.map((r) => r.relation).every((r) => r.startsWith('kpi_'))).toBe(true);
    const { rows: personal } = await grafana!.query(`
      SELECT table_name, column_name FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name LIKE 'kpi\\_%'
         AND column_name IN ('client_id', 'nom', 'prenom', 'email', 'date_naissance', 'sexe', 'ville')
         AND table_name <> 'kpi_stores'`);
    expect(personal).toEqual([]);
  });
});

/**
 * What the API panels need to show data: a readiness probe (as the image's HEALTHCHECK makes)
 * and a few API requests (the API panels leave probes, scrapes and uploads out).
 */
async function apiTraffic(url: string, jwtSecret: string): Promise<void> {
  await fetch(`${url}/health/ready`);
  const token = new JwtService({ secret: jwtSecret }).sign(
    { sub: 'dashboards-spec', role: 'analyst' },
    { algorithm: 'HS256', expiresIn: 600 },
  );
  for (const kpi of ['revenue', 'basket', 'line-sales', 'data-quality']) {
    const res = await fetch(`${url}/kpis/${kpi}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (!res.ok) throw new Error(`GET /kpis/${kpi} answered ${res.status}`);
  }
}

/** Start-up imports every sample file: wait until each dataset has a succeeded run. */
async function waitForSampleImport(url: string, service: ServiceProcess): Promise<void> {
  const deadline = Date.now() + 180_000;
  let body = '';
  for (;;) {
    body = await (await fetch(`${url}/metrics`)).text();
    const imported = DATASET_NAMES.filter(
      (d) =>
        sampleSum(body, 'smartretail_runs_total', `dataset="${d}"`) > 0 &&
        body.includes(`smartretail_last_insert_count{dataset="${d}"`),
    );
    if (imported.length === DATASET_NAMES.length) return;
    if (Date.now() > deadline) {
      throw new Error(
        `the sample data was not imported at start-up within 180 s (datasets done: ${imported.join(', ') || 'none'}):\n${service.output.slice(-4000)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
