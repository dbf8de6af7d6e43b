/**
 * The load test's traffic, over loopback only. The four kinds of reads are autocannon instances
 * sharing the connections; the writer's upload has its own loop on one connection, because
 * autocannon paces at best one request per second per connection and an upload comes every few
 * seconds. Everything stops by itself: autocannon after the duration (or a request cap), the
 * upload loop at the same deadline, and a watchdog stops what is still running after that.
 */
import autocannon from 'autocannon';
import { encodeCursor } from '../src/common/keyset-cursor';
import type { DatabaseRole } from '../src/auth/database-role';
import { KPI_NAMES } from '../src/kpis/kpi-definitions';
import type { LoadData } from './load-data';
import { KindTally, LOAD_KINDS, LoadKind } from './load-tally';

export interface TrafficOptions {
  baseUrl: string;
  durationSeconds: number;
  /** Per request, for every kind. */
  timeoutSeconds: number;
  uploadEverySeconds: number;
  connections: Record<LoadKind, number>;
  roles: Record<LoadKind, DatabaseRole>;
  /** A role token per kind, for the role in `roles`. */
  tokens: Record<LoadKind, string>;
  /** One large upload on the upload connection instead of the periodic small ones. */
  bigUpload?: BigUpload;
}

/**
 * A large upload sent `afterSeconds` into the load; the reads then go on at least until it is
 * answered (and at least the duration), so that every second of the import is read under.
 */
export interface BigUpload {
  afterSeconds: number;
  /** The whole load stops by then whatever happens: a hang bound, not a target. */
  boundSeconds: number;
  send(): Promise<{ status: number; body: string }>;
}

export type ReadKind = Exclude<LoadKind, 'uploads'>;
/** How the reads share the connections, in the load test and in bench:read's request mix. */
export const READ_WEIGHTS: Record<ReadKind, number> = {
  'analyst-pages': 3,
  'admin-pages': 3,
  'email-lookups': 2,
  kpis: 2,
};
/** No connection can exceed this rate: a count bound on top of the duration. */
const MAX_REQUESTS_PER_CONNECTION_SECOND = 1000;
export const PAGE_SIZE = 100;
/** A visit reads this many pages in a row from a random place, then starts elsewhere. */
const PAGES_PER_VISIT = 20;

/** One connection for the uploads; the reads share the rest by weight, at least one each. */
export function planConnections(total: number): Record<LoadKind, number> {
  const kinds = Object.keys(READ_WEIGHTS) as ReadKind[];
  if (total < kinds.length + 1) {
    throw new Error(`at least ${kinds.length + 1} connections are needed (one per kind)`);
  }
  // One each first, then the rest by weight; what rounding leaves goes to the kinds in order.
  const extra = total - 1 - kinds.length;
  const weight = kinds.reduce((sum, k) => sum + READ_WEIGHTS[k], 0);
  const plan = { uploads: 1 } as Record<LoadKind, number>;
  for (const k of kinds) plan[k] = 1 + Math.floor((extra * READ_WEIGHTS[k]) / weight);
  const left = total - kinds.reduce((sum, k) => sum + plan[k], 1);
  for (let i = 0; i < left; i++) plan[kinds[i]]++;
  return plan;
}

/** Runs every kind at once until the duration is over; returns the tallies and the seconds. */
export async function runTraffic(
  data: LoadData,
  options: TrafficOptions,
): Promise<{ tallies: KindTally[]; seconds: number; uploadSeconds?: number }> {
  const tallies = {} as Record<LoadKind, KindTally>;
  for (const kind of LOAD_KINDS) {
    tallies[kind] = new KindTally(kind, options.roles[kind], options.connections[kind]);
  }
  const reads: Record<ReadKind, autocannon.Request[]> = {
    'analyst-pages': pageVisit(data.sizes.clients),
    'admin-pages': pageVisit(data.sizes.clients),
    'email-lookups': emailLookup(data.emails, tallies['email-lookups']),
    kpis: kpiQuery(),
  };
  const started = process.hrtime.bigint();
  const stopAt = Date.now() + options.durationSeconds * 1000;
  const big = options.bigUpload;
  const readSeconds = big ? big.boundSeconds : options.durationSeconds;
  const instances: autocannon.Instance[] = [];
  let uploadSeconds: number | undefined;
  const uploads = big
    ? bigUploadOnce(big, tallies.uploads).then((s) => void (uploadSeconds = s))
    : uploadLoop(data, tallies.uploads, stopAt, options);
  const runs: Promise<unknown>[] = [uploads];
  for (const kind of Object.keys(reads) as ReadKind[]) {
    const { instance, done } = startReads(kind, reads[kind], tallies[kind], options, readSeconds);
    instances.push(instance);
    runs.push(done);
  }
  if (big) {
    const longEnough = new Promise((resolve) =>
      setTimeout(resolve, options.durationSeconds * 1000),
    );
    void Promise.all([longEnough, uploads]).then(() => instances.forEach((i) => i.stop()));
  }
  const watchdog = setTimeout(
    () => instances.forEach((i) => i.stop()),
    (readSeconds + options.timeoutSeconds + 10) * 1000,
  );
  try {
    await Promise.all(runs);
  } catch (error) {
    instances.forEach((i) => i.stop());
    throw error;
  } finally {
    clearTimeout(watchdog);
  }
  return {
    tallies: LOAD_KINDS.map((k) => tallies[k]),
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    uploadSeconds,
  };
}

/** The large upload, counted like any upload; resolves with its seconds, from send to answer. */
async function bigUploadOnce(big: BigUpload, tally: KindTally): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, big.afterSeconds * 1000));
  const started = performance.now();
  try {
    const { status, body } = await big.send();
    tally.response(status, performance.now() - started);
    if (status < 200 || status >= 300) tally.errorBody(status, body);
  } catch (error) {
    tally.failure('socket', (error as Error).message);
  }
  return (performance.now() - started) / 1000;
}

/**
 * One upload of a small clients file every `uploadEverySeconds` (or right after the previous one
 * if it took longer), alternating two versions so that each upload updates rows.
 */
async function uploadLoop(
  data: LoadData,
  tally: KindTally,
  stopAt: number,
  options: TrafficOptions,
): Promise<void> {
  for (let i = 0; Date.now() < stopAt; i++) {
    const started = Date.now();
    await uploadOnce(data.uploads[i % 2], tally, options);
    const wait = Math.min(
      options.uploadEverySeconds * 1000 - (Date.now() - started),
      stopAt - Date.now(),
    );
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

async function uploadOnce(csv: string, tally: KindTally, options: TrafficOptions): Promise<void> {
  const form = new FormData();
  form.append('file', new Blob([csv], { type: 'text/csv' }), 'clients.csv');
  const started = performance.now();
  try {
    const res = await fetch(`${options.baseUrl}/datasets/clients/imports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${options.tokens.uploads}` },
      body: form,
      signal: AbortSignal.timeout(options.timeoutSeconds * 1000),
    });
    const body = await res.text();
    tally.response(res.status, performance.now() - started);
    if (!res.ok) tally.errorBody(res.status, body);
  } catch (error) {
    const failure = error as Error & { cause?: { code?: string } };
    if (failure.name === 'TimeoutError') tally.failure('timeout', 'request timed out');
    else tally.failure('socket', failure.cause?.code ?? failure.message);
  }
}

function startReads(
  kind: ReadKind,
  requests: autocannon.Request[],
  tally: KindTally,
  options: TrafficOptions,
  seconds: number,
): { instance: autocannon.Instance; done: Promise<autocannon.Result> } {
  const connections = options.connections[kind];
  let instance!: autocannon.Instance;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: options.baseUrl,
        connections,
        duration: seconds,
        maxOverallRequests: connections * seconds * MAX_REQUESTS_PER_CONNECTION_SECOND,
        timeout: options.timeoutSeconds,
        headers: { authorization: `Bearer ${options.tokens[kind]}` },
        requests: requests.map((r) => withErrorBodies(r, tally)),
      },
      (error: unknown, result) => (error ? reject(toError(error)) : resolve(result)),
    );
  });
  instance.on('response', (_client, status, _bytes, latencyMs) =>
    tally.response(status, latencyMs),
  );
  instance.on('reqError', (error: Error) =>
    tally.failure(error.message === 'request timed out' ? 'timeout' : 'socket', error.message),
  );
  return { instance, done };
}

/** Also hands the body of every non-2xx response to the tally, for its message. */
function withErrorBodies(request: autocannon.Request, tally: KindTally): autocannon.Request {
  const own = request.onResponse;
  return {
    ...request,
    onResponse: (status, body, context, headers) => {
      if (status < 200 || status >= 300) tally.errorBody(status, body);
      if (typeof own === 'function') own(status, body, context, headers);
    },
  };
}

interface VisitContext {
  /** undefined: start anywhere; null: start from the first page; else the next page's cursor. */
  cursor?: string | null;
}

/**
 * Keyset paging as a client does it: each page asks for the `nextCursor` of the previous one.
 * autocannon resets the context after the last request of the list, so a visit is a list of
 * PAGES_PER_VISIT page requests, and the next visit starts at another random place.
 */
function pageVisit(clients: number): autocannon.Request[] {
  const base = `/datasets/clients/records?limit=${PAGE_SIZE}`;
  const page: autocannon.Request = {
    method: 'GET',
    setupRequest: (request, context) => {
      const visit = context as VisitContext;
      let cursor = visit.cursor;
      if (cursor === undefined) {
        const after = Math.floor(Math.random() * Math.max(1, clients - PAGE_SIZE));
        cursor = after > 0 ? encodeCursor('clients', after) : null;
      }
      return { ...request, path: cursor ? `${base}&cursor=${cursor}` : base };
    },
    onResponse: (status, body, context) => {
      if (status !== 200) return;
      // The page ends with `"nextCursor":"..."}` or `"nextCursor":null}` (see DatasetsService).
      const next = /"nextCursor":(?:null|"([\w-]+)")\}$/.exec(body);
      (context as VisitContext).cursor = next?.[1] ?? null;
    },
  };
  return Array.from({ length: PAGES_PER_VISIT }, () => page);
}

/** Lookups of addresses that exist (no upload changes them): an empty answer is wrong. */
function emailLookup(emails: readonly string[], tally: KindTally): autocannon.Request[] {
  return [
    {
      method: 'GET',
      setupRequest: (request) => {
        const email = emails[Math.floor(Math.random() * emails.length)];
        return { ...request, path: `/datasets/clients/records?email=${encodeURIComponent(email)}` };
      },
      onResponse: (status, body) => {
        if (status === 200 && body.includes('"items":[]')) {
          tally.wrongAnswer('an e-mail lookup found no client');
        }
      },
    },
  ];
}

/** A random KPI over a random month of the sample data's year (transactions are in 2025). */
function kpiQuery(): autocannon.Request[] {
  return [
    {
      method: 'GET',
      setupRequest: (request) => {
        const name = KPI_NAMES[Math.floor(Math.random() * KPI_NAMES.length)];
        const month = 1 + Math.floor(Math.random() * 11);
        const last = new Date(Date.UTC(2025, month, 0)).getUTCDate();
        const mm = String(month).padStart(2, '0');
        return { ...request, path: `/kpis/${name}?from=2025-${mm}-01&to=2025-${mm}-${last}` };
      },
    },
  ];
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
