/**
 * `npm run load -- [--duration 60] [--connections 50] [--scale 100] [--upload-every 5]
 *                  [--timeout 10] [--data-dir bench-data/load-csv] [--as <kind>=<role>]...`
 *
 * Sustained mixed load on the real service over loopback: generates the load data, starts its
 * own embedded PostgreSQL under bench-data/load-db (or uses DATABASE_URL), starts the compiled
 * service on 127.0.0.1, which imports the data at start-up, and once that import has finished runs
 * the traffic (bench/load-traffic.ts). Prints the figures beside their targets and a line
 * `LOAD {...}`; exits 1 if any request failed, 2 on bad arguments (src/cli/cli-usage.ts).
 * With --with-import: the plain load, a large upload alone, then the load with that upload
 * (bench/load-with-import.ts), printed side by side and as a line `LOAD_WITH_IMPORT {...}`.
 */
import 'reflect-metadata';
import { resolve } from 'node:path';
import { BENCH_WORK_DIR, startBenchDatabase } from '../bench-database';
import { prepareLoadData } from '../load-data';
import { formatLoadReport, loadExitCode } from '../load-report';
import { LoadOptions, runLoad } from '../load-run';
import { runLoadWithImport, WithImportOptions } from '../load-with-import';
import { formatWithImportReport, withImportExitCode } from '../load-with-import-report';
import { isLoadKind, LOAD_KINDS, LoadKind } from '../load-tally';
import { isDatabaseRole } from '../../src/database/role-scoped-transactions';
import { DatabaseRole } from '../../src/auth/database-role';
import { parseCommandLine, runCli, UsageError } from '../../src/cli/cli-usage';

const LOAD_DB_PORT = 54396;

const CLI = {
  name: 'load',
  usage: `usage: npm run load -- [--duration 60] [--connections 50] [--scale 100] [--upload-every 5]
                       [--timeout 10] [--startup-timeout 900] [--data-dir DIR] [--as <kind>=<role>]...
                       [--with-import [--import-rows 200000] [--import-after 10]]
  --as <kind>=<role>  run a kind of request (${LOAD_KINDS.join(', ')}) as another role
  --with-import       also upload --import-rows clients alone, then during a second load,
                      --import-after seconds into it, and compare both loads side by side`,
};

const OPTIONS = {
  duration: { type: 'string', default: '60' },
  connections: { type: 'string', default: '50' },
  scale: { type: 'string', default: '100' },
  'upload-every': { type: 'string', default: '5' },
  timeout: { type: 'string', default: '10' },
  'startup-timeout': { type: 'string', default: '900' },
  'data-dir': { type: 'string', default: resolve(BENCH_WORK_DIR, 'load-csv') },
  as: { type: 'string', multiple: true, default: [] as string[] },
  'with-import': { type: 'boolean', default: false },
  'import-rows': { type: 'string', default: '200000' },
  'import-after': { type: 'string', default: '10' },
} as const;

interface LoadArguments extends LoadOptions {
  scale: number;
  dataDir: string;
  withImport?: WithImportOptions;
}

function parseArguments(argv: string[]): LoadArguments {
  const { values } = parseCommandLine(argv, OPTIONS);
  const roles: Partial<Record<LoadKind, DatabaseRole>> = {};
  for (const given of values.as) {
    const [kind, role] = given.split('=');
    if (!isLoadKind(kind) || !isDatabaseRole(role)) {
      throw new UsageError(`--as takes <kind>=<role>, kinds: ${LOAD_KINDS.join(', ')}`);
    }
    roles[kind] = role;
  }
  return {
    durationSeconds: bounded('duration', values.duration, 1, 600),
    connections: bounded('connections', values.connections, 5, 500),
    scale: bounded('scale', values.scale, 1, 1000),
    uploadEverySeconds: bounded('upload-every', values['upload-every'], 1, 60),
    timeoutSeconds: bounded('timeout', values.timeout, 1, 60),
    startupImportTimeoutSeconds: bounded('startup-timeout', values['startup-timeout'], 10, 3600),
    dataDir: resolve(values['data-dir']),
    roles,
    withImport: values['with-import']
      ? {
          importRows: bounded('import-rows', values['import-rows'], 100, 2_000_000),
          importAfterSeconds: bounded('import-after', values['import-after'], 0, 300),
        }
      : undefined,
  };
}

function bounded(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  }
  return n;
}

async function main(): Promise<number> {
  const args = parseArguments(process.argv.slice(2));
  const started = Date.now();
  const log = (message: string) =>
    console.log(`[load +${((Date.now() - started) / 1000).toFixed(0)}s] ${message}`);
  log(`generating the load data (scale ${args.scale}) in ${args.dataDir}`);
  const data = await prepareLoadData(args.dataDir, args.scale);
  const { config, embedded } = await startBenchDatabase('load-db', LOAD_DB_PORT);
  try {
    if (args.withImport) {
      const report = await runLoadWithImport({ config, data, log }, args, args.withImport);
      console.log(formatWithImportReport(report));
      return withImportExitCode(report);
    }
    const report = await runLoad({ config, data, log }, args);
    console.log(formatLoadReport(report));
    return loadExitCode(report);
  } finally {
    await embedded?.stop();
  }
}

runCli(CLI, main);
