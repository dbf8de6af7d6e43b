/**
 * `runLoad`: starts the compiled service (what `npm start` runs) on loopback as a child process,
 * lets it import the load data at start-up, waits until that import has finished, then runs the
 * mixed traffic while sampling the service's resident memory once a second.
 */
import { basename } from 'node:path';
import { signRoleToken } from '../src/auth/role-token.service';
import type { AppConfig } from '../src/config/app-config';
import type { DatabaseRole } from '../src/auth/database-role';
import { importFilesIn } from '../src/imports/schedule/import-directory.service';
import { fileChecksum } from '../src/imports/schedule/scanned-file';
import { BenchService, startBenchService } from './bench-service';
import type { LoadData } from './load-data';
import { KindSummary, LOAD_KINDS, LoadKind } from './load-tally';
import { BigUpload, planConnections, runTraffic } from './load-traffic';

export interface LoadOptions {
  durationSeconds: number;
  /** In total, the upload's included. */
  connections: number;
  uploadEverySeconds: number;
  timeoutSeconds: number;
  startupImportTimeoutSeconds: number;
  /** Another role for some kinds: to see that refused requests are counted as errors. */
  roles?: Partial<Record<LoadKind, DatabaseRole>>;
}

export interface LoadContext {
  /** Configuration of a migrated database (the owner's URL), passed on to the service. */
  config: AppConfig;
  data: LoadData;
  log(message: string): void;
}

export interface RssFigures {
  /** VmHWM: the service's peak since it started, start-up import included. */
  peakMb: number;
  /** The largest VmRSS sampled during the load. */
  loadPeakMb: number;
  /** Growth of VmRSS over the last `growthWindowSeconds` of the load, in percent. */
  growthPercent: number;
  growthWindowSeconds: number;
  samples: number;
}

export interface LoadReport {
  durationSeconds: number;
  connections: number;
  startupImport: { files: number; seconds: number };
  kinds: KindSummary[];
  total: { requests: number; requestsPerSecond: number; errors: number };
  rss: RssFigures;
  /**
   * Cores used on average during the load by the service's process and by this one (autocannon
   * and the uploads): on a shared machine, what tells whether the generator starved the service.
   */
  cpu: { serviceCores: number; loadGeneratorCores: number };
}

export const DEFAULT_ROLES: Record<LoadKind, DatabaseRole> = {
  'analyst-pages': 'analyst',
  'admin-pages': 'admin',
  'email-lookups': 'admin',
  kpis: 'analyst',
  uploads: 'writer',
};

/** Growth is measured over the last 30 s, or the second half of a shorter run. */
const GROWTH_WINDOW_SECONDS = 30;

export async function runLoad(context: LoadContext, options: LoadOptions): Promise<LoadReport> {
  const load = await startLoadService(context, options);
  try {
    return (await load.measure()).report;
  } finally {
    await load.service.stop();
  }
}

/** The service, its start-up import done, ready for one or more measured loads. */
export interface LoadService {
  service: BenchService;
  startupImport: { files: number; seconds: number };
  tokens: Record<LoadKind, string>;
  /** A fresh token of `role`, for requests outside the measured kinds. */
  token(role: DatabaseRole, sub: string): string;
  /** One load of `options.durationSeconds`, or longer (see TrafficOptions.bigUpload). */
  measure(bigUpload?: BigUpload): Promise<MeasuredLoad>;
}

export interface MeasuredLoad {
  report: LoadReport;
  /** Every 2xx latency of the read kinds, ascending, in ms (for a p99 of all reads). */
  readLatenciesMs: number[];
  /** The big upload's seconds from send to answer, when there was one. */
  uploadSeconds?: number;
}

export async function startLoadService(
  context: LoadContext,
  options: LoadOptions,
): Promise<LoadService> {
  const connections = planConnections(options.connections);
  const roles = { ...DEFAULT_ROLES, ...options.roles };
  const token = (role: DatabaseRole, sub: string) =>
    signRoleToken(context.config, { role, sub, ttlSeconds: 3600 });
  const tokens = {} as Record<LoadKind, string>;
  for (const kind of LOAD_KINDS) tokens[kind] = token(roles[kind], `load-${kind}`);

  const launched = Date.now();
  const service = await startBenchService(context.config, {
    IMPORT_ON_START: 'true',
    IMPORT_DIR: context.data.dir,
    // The data was written just before: waiting for it to settle would only delay the start.
    IMPORT_SETTLE_MS: '0',
    // IMPORT_WORKERS=false npm run load -- --with-import: the same run with the CSV work on the
    // service's event loop, to compare its lag with the default (worker threads).
    ...(process.env.IMPORT_WORKERS ? { IMPORT_WORKERS: process.env.IMPORT_WORKERS } : {}),
  });
  try {
    context.log(`service started (pid ${service.pid}); waiting for its start-up import`);
    const files = await waitForStartupImport(
      service.baseUrl,
      token('writer', 'load-monitor'),
      context.data.dir,
      launched,
      options.startupImportTimeoutSeconds,
    );
    const startupSeconds = (Date.now() - launched) / 1000;
    context.log(`start-up import finished (${files} files, ${startupSeconds.toFixed(1)} s)`);
    const startupImport = { files, seconds: Math.round(startupSeconds * 10) / 10 };
    const measure = (bigUpload?: BigUpload) =>
      measureLoad(
        context,
        options,
        { service, startupImport, connections, roles, tokens },
        bigUpload,
      );
    return { service, startupImport, tokens, token, measure };
  } catch (error) {
    await service.stop();
    throw error;
  }
}

interface Running {
  service: BenchService;
  startupImport: { files: number; seconds: number };
  connections: Record<LoadKind, number>;
  roles: Record<LoadKind, DatabaseRole>;
  tokens: Record<LoadKind, string>;
}

async function measureLoad(
  context: LoadContext,
  options: LoadOptions,
  running: Running,
  bigUpload?: BigUpload,
): Promise<MeasuredLoad> {
  const { service, connections, roles, tokens } = running;
  context.log(
    `load: ${options.durationSeconds} s${bigUpload ? ' (or until the upload finishes)' : ''}, ` +
      `${options.connections} connections ` +
      LOAD_KINDS.map((k) => `${k} ${connections[k]}`).join(', '),
  );
  const sampler = sampleRss(service);
  const serviceCpu = await service.cpuSeconds();
  const ownCpu = process.cpuUsage();
  const { tallies, seconds, uploadSeconds } = await runTraffic(context.data, {
    baseUrl: service.baseUrl,
    durationSeconds: options.durationSeconds,
    timeoutSeconds: options.timeoutSeconds,
    uploadEverySeconds: options.uploadEverySeconds,
    connections,
    roles,
    tokens,
    bigUpload,
  });
  const samples = sampler.stop();
  const ownCpuUsed = process.cpuUsage(ownCpu);
  const cores = (used: number) => Math.round((used / seconds) * 100) / 100;
  const kinds = tallies.map((t) => t.summary(seconds));
  const requests = kinds.reduce((sum, k) => sum + k.requests, 0);
  const report: LoadReport = {
    durationSeconds: Math.round(seconds * 10) / 10,
    connections: options.connections,
    startupImport: running.startupImport,
    kinds,
    total: {
      requests,
      requestsPerSecond: Math.round((requests / seconds) * 10) / 10,
      errors: kinds.reduce((sum, k) => sum + k.errors, 0),
    },
    rss: rssFigures(await service.peakRssMb(), samples, options.durationSeconds),
    cpu: {
      serviceCores: cores((await service.cpuSeconds()) - serviceCpu),
      loadGeneratorCores: cores((ownCpuUsed.user + ownCpuUsed.system) / 1e6),
    },
  };
  const readLatenciesMs = tallies
    .filter((t) => t.kind !== 'uploads')
    .flatMap((t) => t.successLatenciesMs)
    .sort((a, b) => a - b);
  return { report, readLatenciesMs, uploadSeconds };
}

interface ImportRunItem {
  source: string;
  fileName: string;
  checksum: string | null;
  status: string;
  startedAt: string;
  error?: string;
}

/**
 * Polls GET /imports until every file the scan imports from `dir` has its current content in
 * place: a scheduled run of that content that `succeeded`, or was `skipped` because the content
 * had been imported before. A run of an earlier start counts when its content is the file's (a
 * skip is recorded once per content, so a later start may record none); a failure counts only
 * when it belongs to this start.
 */
async function waitForStartupImport(
  baseUrl: string,
  token: string,
  dir: string,
  since: number,
  timeoutSeconds: number,
): Promise<number> {
  const wanted = await Promise.all(
    (await importFilesIn(dir)).map(async (f) => ({
      name: basename(f.path),
      checksum: await fileChecksum(f.path),
    })),
  );
  const deadline = Date.now() + timeoutSeconds * 1000;
  while (Date.now() < deadline) {
    const res = await fetch(`${baseUrl}/imports?limit=100`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (!res.ok) throw new Error(`GET /imports answered ${res.status}`);
    const { items } = (await res.json()) as { items: ImportRunItem[] };
    const scheduled = items.filter((run) => run.source === 'schedule');
    const failed = scheduled.find(
      (run) => run.status === 'failed' && Date.parse(run.startedAt) >= since - 1000,
    );
    if (failed)
      throw new Error(`the start-up import of ${failed.fileName} failed: ${failed.error}`);
    const done = wanted.filter((file) =>
      scheduled.some(
        (run) =>
          run.fileName === file.name &&
          run.checksum === file.checksum &&
          ['succeeded', 'skipped'].includes(run.status),
      ),
    );
    if (done.length === wanted.length) return wanted.length;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`the start-up import did not finish within ${timeoutSeconds} s`);
}

/** VmRSS of the service once a second, from now until `stop()`. */
function sampleRss(service: BenchService): { stop(): number[] } {
  const samples: number[] = [];
  let stopped = false;
  // A read that fails (the process just exited) leaves a gap; the figures say how many samples.
  const take = () =>
    service.rssMb().then(
      (mb) => void (stopped || samples.push(mb)),
      () => undefined,
    );
  void take();
  const timer = setInterval(() => void take(), 1000);
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
      return samples;
    },
  };
}

/**
 * Growth compares the mean of the last three samples with the mean of three samples the window
 * earlier: a single sample would make a garbage collection look like a leak, or hide one.
 */
function rssFigures(peakMb: number, samples: number[], durationSeconds: number): RssFigures {
  const window = Math.max(1, Math.min(GROWTH_WINDOW_SECONDS, Math.floor(durationSeconds / 2)));
  const mean = (from: number, to: number) => {
    const part = samples.slice(Math.max(0, from), Math.max(1, to));
    return part.reduce((a, b) => a + b, 0) / part.length;
  };
  const end = samples.length;
  const before = mean(end - window - 3, end - window);
  const after = mean(end - 3, end);
  return {
    peakMb,
    loadPeakMb: Math.max(0, ...samples),
    growthPercent: samples.length > 1 ? Math.round((after / before - 1) * 1000) / 10 : 0,
    growthWindowSeconds: window,
    samples: samples.length,
  };
}
