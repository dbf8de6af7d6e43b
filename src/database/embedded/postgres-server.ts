/**
 * PostgreSQL's own binaries, run directly: initdb once per cluster, then the postmaster as a
 * child process in its own session. Stopping follows PostgreSQL's shutdown modes: SIGINT (fast:
 * roll back open transactions, checkpoint, exit), then SIGQUIT (immediate) if that hangs, then
 * SIGKILL as a last resort.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EmbeddedDatabaseError } from './embedded-database-error';
import type { PostgresBinaries } from './postgres-binaries';
import type { OsUser } from './postgres-os-user';
import type { PostmasterExit } from './postmaster-exit-cause';
import { PostgresLog, PostgresLogOptions } from './postgres-log';
import { isAlive } from './process-table';

const READY = 'database system is ready to accept connections';
/** Crash recovery after a kill replays WAL before the server is ready: allow for it. */
const START_TIMEOUT_MS = 120_000;
const SHUTDOWN_STEPS: [NodeJS.Signals, number][] = [
  ['SIGINT', 30_000],
  ['SIGQUIT', 10_000],
  ['SIGKILL', 5_000],
];

export interface ClusterProcessOptions {
  binaries: PostgresBinaries;
  clusterDir: string;
  /** The OS user PostgreSQL runs as; undefined runs it as this process's user. */
  runAs?: OsUser;
  /** Where PostgreSQL's output goes: a file, a listener, the service log (see PostgresLog). */
  log: PostgresLogOptions;
}

/** Creates the cluster; the superuser's password reaches initdb through a file only it can read. */
export async function initCluster(
  options: ClusterProcessOptions & { password: string },
): Promise<void> {
  const { clusterDir, runAs } = options;
  mkdirSync(clusterDir, { recursive: true, mode: 0o700 });
  if (runAs) chownSync(clusterDir, runAs.uid, runAs.gid);
  const passwordFile = join(dirname(clusterDir), `.initdb-${randomBytes(8).toString('hex')}`);
  writeFileSync(passwordFile, `${options.password}\n`, { mode: 0o600 });
  try {
    if (runAs) chownSync(passwordFile, runAs.uid, runAs.gid);
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        options.binaries.initdb,
        [
          `--pgdata=${clusterDir}`,
          '--auth=scram-sha-256',
          '--username=postgres',
          `--pwfile=${passwordFile}`,
          '--encoding=UTF8',
          '--locale=C',
        ],
        { ...asUser(runAs), env: serverEnvironment(), stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const output = new PostgresLog(options.log);
      child.stdout.on('data', (chunk: Buffer) => output.add(chunk));
      child.stderr.on('data', (chunk: Buffer) => output.add(chunk));
      child.once('error', (error) => reject(spawnFailure(options.binaries, error)));
      child.once('exit', (code) =>
        code === 0
          ? resolve()
          : reject(
              new EmbeddedDatabaseError(`initdb failed: ${output.problem() ?? `exit ${code}`}`),
            ),
      );
    });
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

/** The running postmaster this process started. */
export class PostmasterProcess {
  private readonly stopOnExit = () => signal(this.pid, 'SIGINT');
  private stopRequested = false;
  /** Resolves when the postmaster exits, for whatever reason. */
  readonly exited: Promise<PostmasterExit>;

  private constructor(
    readonly pid: number,
    exited: Promise<PostmasterExit>,
    readonly log: PostgresLog,
  ) {
    // If this process exits without stopping it (an uncaught error), PostgreSQL still stops.
    process.on('exit', this.stopOnExit);
    this.exited = exited.finally(() => process.removeListener('exit', this.stopOnExit));
  }

  /** True once stop() was called: an exit after that was asked for. */
  get stopping(): boolean {
    return this.stopRequested;
  }

  static async start(
    options: ClusterProcessOptions & { port: number; flags: string[] },
  ): Promise<PostmasterProcess> {
    const child = spawn(
      options.binaries.postgres,
      ['-D', options.clusterDir, '-p', String(options.port), ...options.flags],
      {
        ...asUser(options.runAs),
        env: serverEnvironment(),
        // Its own session, so Ctrl-C in a terminal reaches only us and we stop it in order
        // (imports recorded first) instead of PostgreSQL shutting down under them.
        detached: true,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    const output = new PostgresLog(options.log);
    // Keeps draining its log for as long as it runs: the pipe must not fill up.
    child.stderr.on('data', (chunk: Buffer) => output.add(chunk));
    const exited = new Promise<PostmasterExit>((resolve) =>
      child.once('exit', (code, signalName) =>
        resolve({ pid: child.pid ?? 0, code, signal: signalName }),
      ),
    );
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        signal(child.pid, 'SIGQUIT');
        reject(new EmbeddedDatabaseError('the embedded PostgreSQL did not become ready in time'));
      }, START_TIMEOUT_MS);
      const settle = (error?: Error) => {
        clearTimeout(timer);
        child.stderr.removeListener('data', onData);
        if (error) reject(error);
        else resolve();
      };
      const onData = (chunk: Buffer) => {
        if (chunk.toString('utf8').includes(READY)) settle();
      };
      child.stderr.on('data', onData);
      child.once('error', (error) => settle(spawnFailure(options.binaries, error)));
      void exited.then(() => settle(startFailure(options.port, output.problem())));
    });
    return new PostmasterProcess(child.pid!, exited, output);
  }

  async stop(): Promise<void> {
    this.stopRequested = true;
    process.removeListener('exit', this.stopOnExit);
    await stopPostmaster(this.pid);
  }

  /**
   * After the postmaster died on its own: its server processes (same process group, it leads
   * its session) must not go on writing to a cluster a new postmaster will recover, and a new
   * one refuses to start while they hold its shared memory. SIGKILL is what PostgreSQL's own
   * crash handling amounts to for them; the WAL makes it safe.
   */
  killLeftovers(): void {
    signal(-this.pid, 'SIGKILL');
  }
}

/** Stops a postmaster by pid, escalating through PostgreSQL's shutdown modes. */
export async function stopPostmaster(pid: number): Promise<void> {
  for (const [name, waitMs] of SHUTDOWN_STEPS) {
    if (!isAlive(pid)) return;
    signal(pid, name);
    const deadline = Date.now() + waitMs;
    while (isAlive(pid) && Date.now() < deadline) await delay(100);
  }
  if (isAlive(pid))
    throw new EmbeddedDatabaseError(`PostgreSQL (pid ${pid}) did not stop, even after SIGKILL`);
}

function spawnFailure(binaries: PostgresBinaries, error: Error): EmbeddedDatabaseError {
  return new EmbeddedDatabaseError(
    `cannot run PostgreSQL's binaries (${error.message}): make the package readable and ` +
      `executable (chmod -R o+rX ${binaries.packageDir}), or set DATABASE_URL to use your own server`,
  );
}

function startFailure(port: number, problem: string | undefined): EmbeddedDatabaseError {
  if (problem && /could not (bind|create any TCP\/IP)/.test(problem)) {
    return new EmbeddedDatabaseError(
      `the embedded PostgreSQL could not listen on 127.0.0.1:${port}, another program uses it: ` +
        `set EMBEDDED_PG_PORT to a free port, or DATABASE_URL to use your own server`,
    );
  }
  return new EmbeddedDatabaseError(
    `the embedded PostgreSQL did not start: ${problem ?? 'it exited without saying why'}`,
  );
}

/** Only PATH, the message locale and the timezone: the server's environment holds no secret. */
function serverEnvironment(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    LC_MESSAGES: 'C',
    ...(process.env.TZ ? { TZ: process.env.TZ } : {}),
  };
}

const asUser = (user?: OsUser) => (user ? { uid: user.uid, gid: user.gid } : {});

function signal(pid: number | undefined, name: NodeJS.Signals): void {
  try {
    if (pid) process.kill(pid, name);
  } catch {
    // already gone
  }
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
