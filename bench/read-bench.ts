/**
 * Read API benchmark, over real HTTP against the real application:
 * - read_decrypted_rows_per_s: admin pages through every client with
 *   `GET /datasets/clients/records?limit=1000` (decryption, JSON, audit row per page included);
 * - decrypt_bound_rows_per_s: one SELECT decrypting the same columns of the same rows, through the
 *   same role-scoped transaction path (no HTTP, no paging), in one backend like each API page:
 *   the ceiling the API is compared with (decrypt_bound_parallel_rows_per_s: the same SELECT
 *   with parallel workers);
 * - email_lookup_p95_ms: p95 latency of `GET /datasets/clients/records?email=...` for existing
 *   addresses, sequential requests, after a warm-up;
 * - csv_export_rows_per_s: one `Accept: text/csv` export of every client as admin (streamed from
 *   a server-side cursor, audited), read to the end over HTTP;
 * - filtered_paging_rows_per_s: admin pages of 1000 through the clients signed up since a date,
 *   ordered by sign-up date descending (filter + order + keyset cursor on the date index).
 * `runReadBench(context)` takes any bench context with a config, an owner connection factory and a
 * logger (the bench runner's BenchContext fits), so it runs in `npm run bench` or alone.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from 'pg';
import { signRoleToken } from '../src/auth/role-token.service';
import { AppConfig } from '../src/config/app-config';
import { RoleScopedTransactions } from '../src/database/role-scoped-transactions';
import { createHttpApplication } from '../src/http-application';
import { measureReadOverhead, ReadOverheadFigures } from './read-overhead';

export interface ReadBenchContext {
  /** Configuration of a migrated database holding the clients to read. */
  config: AppConfig;
  connectAsOwner(): Promise<Client>;
  log(message: string): void;
  /** The request-overhead baseline's concurrency and seconds per side (default 50 and 20). */
  overhead?: { connections: number; seconds: number };
}

export interface ReadBenchFigures extends ReadOverheadFigures {
  [figure: string]: number;
  read_decrypted_rows_per_s: number;
  decrypt_bound_rows_per_s: number;
  email_lookup_p95_ms: number;
  csv_export_rows_per_s: number;
  filtered_paging_rows_per_s: number;
  /** The same SELECT with PostgreSQL's parallel workers (for the record; see decryptBound). */
  decrypt_bound_parallel_rows_per_s: number;
}

const PAGE = 1000;
const LOOKUPS = 300;
const WARM_UP = 30;

const seconds = (started: bigint): number => Number(process.hrtime.bigint() - started) / 1e9;

export async function runReadBench(context: ReadBenchContext): Promise<ReadBenchFigures> {
  const app = await createHttpApplication(withoutStartupImport(context.config));
  await app.listen(0, '127.0.0.1');
  try {
    const address = (app.getHttpServer() as Server).address() as AddressInfo;
    const base = `http://127.0.0.1:${address.port}`;
    const token = signRoleToken(context.config, { role: 'admin', sub: 'bench', ttlSeconds: 3600 });
    const get = async (
      path: string,
    ): Promise<{ items: Record<string, unknown>[]; nextCursor: string | null }> => {
      const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
      if (!res.ok) throw new Error(`GET ${path} answered ${res.status}`);
      return (await res.json()) as { items: Record<string, unknown>[]; nextCursor: string | null };
    };

    const paged = await pageThroughClients(get);
    context.log(`paged ${paged.rows} clients over HTTP in ${paged.seconds.toFixed(2)} s`);
    const tx = app.get(RoleScopedTransactions);
    const bound = await decryptBound(tx, false);
    context.log(
      `decrypted ${bound.rows} clients in one SELECT (one backend) in ${bound.seconds.toFixed(2)} s`,
    );
    const parallel = await decryptBound(tx, true);
    context.log(
      `decrypted ${parallel.rows} clients in one parallel SELECT in ${parallel.seconds.toFixed(2)} s`,
    );
    if (bound.rows !== paged.rows)
      throw new Error('paging and the decrypt bound saw different rows');
    const exported = await csvExport(base, token);
    context.log(`exported ${exported.rows} clients as CSV in ${exported.seconds.toFixed(2)} s`);
    if (exported.rows !== paged.rows)
      throw new Error('the CSV export and paging saw different rows');
    const filtered = await pageThroughClients(get, FILTERED);
    context.log(
      `paged ${filtered.rows} clients signed up since ${FILTER_FROM}, newest first, in ${filtered.seconds.toFixed(2)} s`,
    );
    const emails = await sampleEmails(tx, WARM_UP + LOOKUPS);
    const p95 = await emailLookupP95(get, emails);
    context.log(`e-mail lookup p95 ${p95.toFixed(2)} ms over ${LOOKUPS} lookups`);
    const overhead = await measureReadOverhead({
      config: context.config,
      captureBaseUrl: base,
      clients: paged.rows,
      emails,
      connections: context.overhead?.connections ?? 50,
      seconds: context.overhead?.seconds ?? 20,
      log: (message) => context.log(message),
    });
    return {
      ...overhead,
      read_decrypted_rows_per_s: Math.round(paged.rows / paged.seconds),
      decrypt_bound_rows_per_s: Math.round(bound.rows / bound.seconds),
      decrypt_bound_parallel_rows_per_s: Math.round(parallel.rows / parallel.seconds),
      email_lookup_p95_ms: Math.round(p95 * 100) / 100,
      csv_export_rows_per_s: Math.round(exported.rows / exported.seconds),
      filtered_paging_rows_per_s: Math.round(filtered.rows / filtered.seconds),
    };
  } finally {
    await app.close();
  }
}

/** The measured service must not start importing files of its own in the middle of the run. */
function withoutStartupImport(config: AppConfig): AppConfig {
  return Object.assign(Object.create(AppConfig.prototype) as AppConfig, config, {
    importOnStart: false,
  });
}

type Get = (
  path: string,
) => Promise<{ items: Record<string, unknown>[]; nextCursor: string | null }>;

/** The filtered listing: a filter on the date column, ordered by it (its keyset index). */
const FILTER_FROM = '2023-01-01';
const FILTERED = `date_inscription=gte.${FILTER_FROM}&order=date_inscription.desc`;

async function pageThroughClients(
  get: Get,
  filter = '',
): Promise<{ rows: number; seconds: number }> {
  const started = process.hrtime.bigint();
  let rows = 0;
  let cursor: string | null = null;
  do {
    const page = await get(
      `/datasets/clients/records?limit=${PAGE}${filter ? `&${filter}` : ''}${cursor ? `&cursor=${cursor}` : ''}`,
    );
    rows += page.items.length;
    cursor = page.nextCursor;
  } while (cursor);
  return { rows, seconds: seconds(started) };
}

/** Every client as one CSV download, counted line by line as it streams in. */
async function csvExport(base: string, token: string): Promise<{ rows: number; seconds: number }> {
  const started = process.hrtime.bigint();
  const res = await fetch(`${base}/datasets/clients/records`, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/csv' },
  });
  if (!res.ok || !res.body) throw new Error(`the CSV export answered ${res.status}`);
  let lines = 0;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    for (const byte of chunk) if (byte === 0x0a) lines++;
  }
  return { rows: lines - 1, seconds: seconds(started) };
}

/**
 * The raw decryption cost of the same rows and columns in one SELECT. Measured in one backend,
 * like each page of the API: left alone, PostgreSQL runs this scan in parallel over every core,
 * which a client paging with keyset cursors (one request after another) can never do; that
 * parallel figure is returned too, for the record.
 */
async function decryptBound(
  tx: RoleScopedTransactions,
  parallel: boolean,
): Promise<{ rows: number; seconds: number }> {
  const started = process.hrtime.bigint();
  const rows = await tx.run({ role: 'admin', readOnly: true, statementTimeoutMs: 0 }, async (c) => {
    if (!parallel) await c.query('SET LOCAL max_parallel_workers_per_gather = 0');
    const result = await c.query(
      `SELECT client_id, nom, prenom, email, date_naissance, sexe, ville, date_inscription
         FROM v_clients_decrypted`,
    );
    return result.rowCount ?? 0;
  });
  return { rows, seconds: seconds(started) };
}

async function sampleEmails(tx: RoleScopedTransactions, count: number): Promise<string[]> {
  return tx.run({ role: 'admin', readOnly: true }, async (c) => {
    const { rows } = await c.query<{ email: string }>(
      `SELECT email FROM v_clients_decrypted
        WHERE client_id IN (SELECT client_id FROM clients ORDER BY random() LIMIT $1)`,
      [count],
    );
    if (rows.length === 0) throw new Error('no clients to look up');
    return Array.from({ length: count }, (_, i) => rows[i % rows.length].email);
  });
}

async function emailLookupP95(get: Get, emails: string[]): Promise<number> {
  const latencies: number[] = [];
  for (const [i, email] of emails.entries()) {
    const started = process.hrtime.bigint();
    const page = await get(`/datasets/clients/records?email=${encodeURIComponent(email)}`);
    const ms = seconds(started) * 1000;
    if (page.items.length !== 1) throw new Error('an e-mail lookup did not find its client');
    if (i >= WARM_UP) latencies.push(ms);
  }
  latencies.sort((a, b) => a - b);
  return latencies[Math.min(latencies.length - 1, Math.ceil(latencies.length * 0.95) - 1)];
}
