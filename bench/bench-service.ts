/**
 * Runs the compiled service (`dist/src/main.js`, what `npm start` runs) as a child process on
 * the bench database, for parts that measure it over HTTP (upload memory, read API) and for the
 * load test.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../src/common/free-port';
import type { AppConfig } from '../src/config/app-config';

export interface BenchService {
  baseUrl: string;
  pid: number;
  /** Peak resident memory (VmHWM) of the service so far, in MiB. */
  peakRssMb(): Promise<number>;
  /** Resident memory (VmRSS) of the service now, in MiB. */
  rssMb(): Promise<number>;
  /** CPU time the service has used so far, all its threads, user and system, in seconds. */
  cpuSeconds(): Promise<number>;
  stop(): Promise<void>;
}

/** A memory figure of a process from /proc/<pid>/status (Linux), in MiB. */
async function statusMb(pid: number, field: 'VmHWM' | 'VmRSS'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return Math.round((kb / 1024) * 10) / 10;
}

/** utime + stime from /proc/<pid>/stat, in clock ticks of 1/100 s (USER_HZ on Linux). */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which may hold spaces: state is the first, utime the 12th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function waitUntilLive(baseUrl: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`the service exited (${child.exitCode})`);
    const up = await fetch(`${baseUrl}/health/live`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the service did not start within 60 s');
}

/**
 * The compiled service, what `npm start` runs: beside dist/bench when the bench runs compiled,
 * under dist/ when its sources run in a test (ts-jest; the test setup builds dist first).
 */
const SERVICE_ENTRY = existsSync(join(__dirname, '../src/main.js'))
  ? join(__dirname, '../src/main.js')
  : join(__dirname, '../dist/src/main.js');

export async function startBenchService(
  config: AppConfig,
  env: Record<string, string> = {},
): Promise<BenchService> {
  const port = await freePort();
  // BENCH_CPU_PROF=<dir>: the service writes a V8 CPU profile there when it stops (open it in
  // Chrome DevTools or speedscope), to see where a measured request's time goes.
  const profile = process.env.BENCH_CPU_PROF;
  const flags = profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [];
  const child = spawn(process.execPath, [...flags, SERVICE_ENTRY], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: config.databaseUrl,
      ENCRYPTION_KEY: config.encryptionKey,
      BLIND_INDEX_KEY: config.blindIndexKey,
      JWT_SECRET: config.jwtSecret,
      APP_DB_PASSWORD: config.appDbPassword,
      GRAFANA_DB_PASSWORD: config.grafanaDbPassword,
      IMPORT_ON_START: 'false',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    await once(child, 'exit');
  };
  try {
    await waitUntilLive(baseUrl, child);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    baseUrl,
    pid: child.pid!,
    peakRssMb: () => statusMb(child.pid!, 'VmHWM').then(Math.round),
    rssMb: () => statusMb(child.pid!, 'VmRSS'),
    cpuSeconds: () => cpuSeconds(child.pid!),
    stop,
  };
}
