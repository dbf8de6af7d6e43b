/**
 * The request-overhead baseline of bench:read: how many of the load test's read requests the
 * service answers per second over HTTP (read_http_per_s), beside how many of the very same
 * transactions pgbench runs per second straight against PostgreSQL (read_tx_pgbench_per_s), at
 * the concurrency the service runs them at (its pool: DB_POOL_SIZE clients, while the HTTP side
 * has its 50 connections), on the same database. Their ratio is what the service costs on top of
 * the SQL it has to run: HTTP, authentication, the pool, JSON, and each round trip awaited.
 *
 * The transactions are not written by hand: the bench sends a sample of each read kind (pages
 * as analyst and as admin, e-mail look-ups, KPIs) to an in-process service and records what it
 * sends to PostgreSQL (captured-transactions.ts), role switch, keys, audit row and COMMIT
 * included. pgbench replays one script per sampled request, weighted like the load test's mix;
 * the HTTP side sends the same sampled requests to the service run as `npm start` runs it.
 */
import autocannon from 'autocannon';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { signRoleToken } from '../src/auth/role-token.service';
import type { DatabaseRole } from '../src/auth/database-role';
import { encodeCursor } from '../src/common/keyset-cursor';
import type { AppConfig } from '../src/config/app-config';
import { urlForRole } from '../src/database/connection-url';
import { KPI_NAMES } from '../src/kpis/kpi-definitions';
import { startBenchService } from './bench-service';
import { captureTransactions, CapturedTransaction } from './captured-transactions';
import { DEFAULT_ROLES } from './load-run';
import { PAGE_SIZE, READ_WEIGHTS, ReadKind } from './load-traffic';
import { pgbenchScript } from './pgbench-script';

const run = promisify(execFile);

export interface ReadOverheadOptions {
  config: AppConfig;
  /** Base URL of an in-process service on the same database, for the capture. */
  captureBaseUrl: string;
  clients: number;
  emails: readonly string[];
  connections: number;
  seconds: number;
  log(message: string): void;
}

export interface ReadOverheadFigures {
  read_http_per_s: number;
  read_tx_pgbench_per_s: number;
  read_overhead_connections: number;
  /** pgbench's clients: as many transactions at once as the service runs (its pool). */
  read_overhead_pgbench_clients: number;
  /** Non-200 answers, socket errors and timeouts of the HTTP side (not in read_http_per_s), each once. */
  read_http_failed: number;
}

interface SampleRequest {
  kind: ReadKind;
  role: DatabaseRole;
  path: string;
  authorization: string;
}

/** Sampled requests per read kind: each becomes one pgbench script. */
const SAMPLES_PER_KIND = 8;

export async function measureReadOverhead(
  options: ReadOverheadOptions,
): Promise<ReadOverheadFigures> {
  const samples = sampleRequests(options);
  const scripts = await captureScripts(options.captureBaseUrl, samples);
  options.log(
    `captured the transactions of ${samples.length} requests ` +
      `(${scripts.reduce((n, s) => n + s.transactions, 0)} transactions)`,
  );
  const { perSecond: http, failed, failures } = await httpRequestsPerSecond(options, samples);
  options.log(
    `HTTP: ${http.toFixed(1)} requests/s at ${options.connections} connections, ${failed} failed` +
      (failed > 0 ? ` (${describeFailures(failures)})` : ''),
  );
  // The service runs at most its pool's worth of these transactions at once, however many HTTP
  // connections wait: pgbench runs them at that concurrency. At 50 clients the KPIs of the full
  // bench's 2,000,000 lines ran past the service's statement timeout, which the service's own
  // queue never lets happen.
  const clients = Math.min(options.connections, options.config.dbPoolSize);
  const pgbench = await pgbenchTransactionsPerSecond(options, scripts, clients);
  options.log(`pgbench: ${pgbench.toFixed(1)} transactions/s at ${clients} clients`);
  return {
    read_http_per_s: Math.round(http * 10) / 10,
    read_tx_pgbench_per_s: Math.round(pgbench * 10) / 10,
    read_overhead_connections: options.connections,
    read_overhead_pgbench_clients: clients,
    read_http_failed: failed,
  };
}

function sampleRequests(options: ReadOverheadOptions): SampleRequest[] {
  const tokens = {} as Record<ReadKind, string>;
  for (const kind of Object.keys(READ_WEIGHTS) as ReadKind[]) {
    const token = signRoleToken(options.config, {
      role: DEFAULT_ROLES[kind],
      sub: `bench-read-${kind}`,
      ttlSeconds: 3600,
    });
    tokens[kind] = `Bearer ${token}`;
  }
  const pick = <T>(values: readonly T[], i: number): T => values[i % values.length];
  const page = (i: number) => {
    const after = Math.floor(((i + 0.5) / SAMPLES_PER_KIND) * (options.clients - PAGE_SIZE));
    return `/datasets/clients/records?limit=${PAGE_SIZE}&cursor=${encodeCursor('clients', after)}`;
  };
  const paths: Record<ReadKind, (i: number) => string> = {
    'analyst-pages': page,
    'admin-pages': page,
    'email-lookups': (i) =>
      `/datasets/clients/records?email=${encodeURIComponent(pick(options.emails, i))}`,
    kpis: (i) => {
      const month = 1 + (i % 11);
      const mm = String(month).padStart(2, '0');
      const last = new Date(Date.UTC(2025, month, 0)).getUTCDate();
      return `/kpis/${pick(KPI_NAMES, i)}?from=2025-${mm}-01&to=2025-${mm}-${last}`;
    },
  };
  return (Object.keys(READ_WEIGHTS) as ReadKind[]).flatMap((kind) =>
    Array.from({ length: SAMPLES_PER_KIND }, (_, i) => ({
      kind,
      role: DEFAULT_ROLES[kind],
      path: paths[kind](i),
      authorization: tokens[kind],
    })),
  );
}

interface Script {
  kind: ReadKind;
  text: string;
  transactions: number;
}

/**
 * One request at a time, so that what is committed while it is answered is its own; only the
 * transactions run as the request's role are kept (a scheduled job of the service would run as
 * writer).
 */
async function captureScripts(baseUrl: string, samples: SampleRequest[]): Promise<Script[]> {
  const capture = captureTransactions();
  try {
    const scripts: Script[] = [];
    for (const sample of samples) {
      capture.take();
      const res = await fetch(`${baseUrl}${sample.path}`, {
        headers: { authorization: sample.authorization },
      });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`GET ${sample.path} answered ${res.status}`);
      const own = capture.take().filter((tx) => roleOf(tx) === sample.role);
      if (own.length === 0) throw new Error(`GET ${sample.path} ran no transaction to replay`);
      scripts.push({ kind: sample.kind, text: pgbenchScript(own), transactions: own.length });
    }
    return scripts;
  } finally {
    capture.stop();
  }
}

/** The role the transaction switched to (RoleScopedTransactions' first set_config). */
function roleOf(tx: CapturedTransaction): unknown {
  const switchStatement = tx.find((s) => s.text.includes("set_config('role'"));
  return switchStatement?.values[0];
}

/** autocannon's per-request timeout: a slower answer counts as failed. */
const AUTOCANNON_TIMEOUT_S = 10;

/** autocannon's per-connection context: the kind of the request in flight. */
interface SampleContext {
  kind?: ReadKind;
}

/** What the failed requests were, by kind and answer: a count alone does not say which limit. */
type FailureTally = Record<string, number>;

function describeFailures(failures: FailureTally): string {
  return Object.entries(failures)
    .map(([what, n]) => `${n} ${what}`)
    .join(', ');
}

/** Answered requests per second (200s only), and how many failed: counted, never dropped. */
async function httpRequestsPerSecond(
  options: ReadOverheadOptions,
  samples: SampleRequest[],
): Promise<{ perSecond: number; failed: number; failures: FailureTally }> {
  const service = await startBenchService(options.config);
  try {
    // The same weights as pgbench's: every kind has as many samples, so a sample's weight is
    // its kind's.
    const weighted = samples.flatMap((s) => Array.from({ length: READ_WEIGHTS[s.kind] }, () => s));
    let failures = 0;
    const tally: FailureTally = {};
    const count = (what: string) => void (tally[what] = (tally[what] ?? 0) + 1);
    const result = await autocannon({
      url: service.baseUrl,
      connections: options.connections,
      duration: options.seconds,
      timeout: AUTOCANNON_TIMEOUT_S,
      requests: [
        {
          method: 'GET',
          setupRequest: (request, context) => {
            const sample = weighted[Math.floor(Math.random() * weighted.length)];
            (context as SampleContext).kind = sample.kind;
            return {
              ...request,
              path: sample.path,
              headers: { ...request.headers, authorization: sample.authorization },
            };
          },
          onResponse: (status, _body, context) => {
            if (status === 200) return;
            failures++;
            count(`${(context as SampleContext).kind ?? 'unknown'} ${status}`);
          },
        },
      ],
    });
    // autocannon counts a timeout as an error too.
    const failed = failures + result.errors;
    if (result.timeouts > 0) tally[`timeouts (${AUTOCANNON_TIMEOUT_S} s)`] = result.timeouts;
    if (result.errors > result.timeouts) tally['socket errors'] = result.errors - result.timeouts;
    const answered = result.requests.total - failures;
    return { perSecond: answered / (result.duration || options.seconds), failed, failures: tally };
  } finally {
    await service.stop();
  }
}

/**
 * pgbench logs in as app_user, as the service does; the password goes through the environment,
 * never the command line, and the scripts (which hold the keys' values as the service sends
 * them) live in a private directory removed afterwards.
 */
async function pgbenchTransactionsPerSecond(
  options: ReadOverheadOptions,
  scripts: Script[],
  clients: number,
): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'smartretail-pgbench-'));
  try {
    const files: string[] = [];
    for (const [i, script] of scripts.entries()) {
      const file = join(dir, `${i}-${script.kind}.sql`);
      await writeFile(file, script.text, { mode: 0o600 });
      files.push('-f', `${file}@${READ_WEIGHTS[script.kind]}`);
    }
    const url = urlForRole(options.config.databaseUrl, 'app_user', '');
    const { stdout } = await run(
      'pgbench',
      [
        '--no-vacuum',
        '--protocol=extended',
        `--client=${clients}`,
        '--jobs=2',
        `--time=${options.seconds}`,
        ...files,
        url,
      ],
      {
        env: { PATH: process.env.PATH ?? '', PGPASSWORD: options.config.appDbPassword },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const failed = /number of failed transactions: (\d+)/.exec(stdout);
    if (failed && Number(failed[1]) > 0) {
      throw new Error(`pgbench: ${failed[1]} transactions failed`);
    }
    const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout);
    if (!tps) throw new Error(`pgbench printed no tps:\n${stdout}`);
    return Number(tps[1]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
