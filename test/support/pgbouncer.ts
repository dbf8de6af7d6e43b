/**
 * A real PgBouncer (Debian's `pgbouncer`, which npm test's pretest installs as root) of a test's
 * own, in `pool_mode = transaction`, in front of one database of the test server: on a free port
 * on 127.0.0.1, its configuration and userlist in a 0700 temporary directory. Authentication is
 * SCRAM-SHA-256 end to end with no password on disk: the userlist holds the roles' SCRAM secrets
 * as pg_authid stores them (what `auth_query` would read), which lets PgBouncer log in to the
 * server with the client's own proof. `server_round_robin` spreads a client's transactions over
 * the server connections, so anything that leans on session state shows.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, chownSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../../src/common/free-port';
import { ensurePostgresOsUser } from '../../src/database/embedded/postgres-os-user';

export const PGBOUNCER = '/usr/sbin/pgbouncer';
const START_TIMEOUT_MS = 30_000;

/** Why PgBouncer cannot run here (its binary is missing), or undefined. */
export function pgbouncerMissing(): string | undefined {
  try {
    accessSync(PGBOUNCER, constants.X_OK);
    return undefined;
  } catch {
    return `${PGBOUNCER} is missing (Debian's pgbouncer, which npm test's pretest installs as root)`;
  }
}

export interface PgBouncerOptions {
  /** A superuser URL of the server, naming the database to pool: it reads pg_authid. */
  serverUrl: string;
  /** The roles clients log in as (their SCRAM secrets go into the userlist). */
  roles: string[];
  /** Server connections per database and role (PgBouncer's default_pool_size). */
  poolSize: number;
  /** A role (among `roles`) that may read PgBouncer's SHOW commands (stats_users). */
  statsUser?: string;
}

export class PgBouncer {
  output = '';

  private constructor(
    private readonly dir: string,
    private readonly child: ChildProcess,
    readonly port: number,
    private readonly database: string,
  ) {
    child.stdout!.on('data', (c: Buffer) => (this.output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (this.output += c.toString()));
  }

  static async start({
    serverUrl,
    roles,
    poolSize,
    statsUser,
  }: PgBouncerOptions): Promise<PgBouncer> {
    const server = new URL(serverUrl);
    const database = server.pathname.slice(1);
    const secrets = await scramSecrets(serverUrl, roles);
    const dir = mkdtempSync(join(tmpdir(), 'smartretail-pgbouncer-'));
    const port = await freePort();
    writeFileSync(
      join(dir, 'userlist.txt'),
      secrets.map(({ role, secret }) => `"${role}" "${secret}"\n`).join(''),
      { mode: 0o600 },
    );
    writeFileSync(
      join(dir, 'pgbouncer.ini'),
      [
        '[databases]',
        `${database} = host=${server.hostname} port=${server.port || 5432} dbname=${database}`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${port}`,
        'unix_socket_dir =',
        'pool_mode = transaction',
        'auth_type = scram-sha-256',
        `auth_file = ${join(dir, 'userlist.txt')}`,
        `default_pool_size = ${poolSize}`,
        'max_client_conn = 200',
        'server_round_robin = 1',
        ...(statsUser ? [`stats_users = ${statsUser}`] : []),
        // The service needs none of what transaction pooling cannot carry (README "Connection
        // poolers"); pooled backends are never reset between clients, as in production.
        'server_reset_query =',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    // PgBouncer refuses to run as root: then it runs as the postgres OS user, who owns its files.
    const runAs = process.getuid?.() === 0 ? ensurePostgresOsUser() : undefined;
    if (runAs)
      for (const path of [dir, join(dir, 'userlist.txt'), join(dir, 'pgbouncer.ini')])
        chownSync(path, runAs.uid, runAs.gid);
    const child = spawn(PGBOUNCER, [join(dir, 'pgbouncer.ini')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      uid: runAs?.uid,
      gid: runAs?.gid,
    });
    const bouncer = new PgBouncer(dir, child, port, database);
    try {
      await bouncer.waitUntilListening();
    } catch (error) {
      await bouncer.stop();
      throw error;
    }
    return bouncer;
  }

  /** A URL through PgBouncer: `base`'s user and password, PgBouncer's host and port. */
  url(base: string): string {
    const url = new URL(base);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    url.pathname = `/${this.database}`;
    return url.toString();
  }

  /** PgBouncer's clients by role, from its admin console (SHOW CLIENTS, as a stats user). */
  async clientsByRole(statsUrl: string): Promise<Record<string, number>> {
    const url = new URL(this.url(statsUrl));
    url.pathname = '/pgbouncer';
    const client = new Client({ connectionString: url.toString() });
    await client.connect();
    try {
      const { rows } = await client.query<{ user: string }>('SHOW CLIENTS');
      const counts: Record<string, number> = {};
      for (const { user } of rows) counts[user] = (counts[user] ?? 0) + 1;
      return counts;
    } finally {
      await client.end();
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = once(this.child, 'exit');
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async waitUntilListening(): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!/listening on 127\.0\.0\.1:\d+/.test(this.output)) {
      if (this.child.exitCode !== null || this.child.signalCode !== null)
        throw new Error(`PgBouncer exited at start:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`PgBouncer did not start:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** The roles' SCRAM secrets as the server stores them; a role without one cannot log in here. */
async function scramSecrets(
  serverUrl: string,
  roles: string[],
): Promise<{ role: string; secret: string }[]> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ role: string; secret: string | null }>(
      `SELECT rolname AS role, rolpassword AS secret FROM pg_authid WHERE rolname = ANY($1)`,
      [roles],
    );
    const usable = rows.filter((r): r is { role: string; secret: string } =>
      Boolean(r.secret?.startsWith('SCRAM-SHA-256$')),
    );
    const missing = roles.filter((role) => !usable.some((r) => r.role === role));
    if (missing.length)
      throw new Error(`no SCRAM secret in pg_authid for ${missing.join(', ')}: cannot pool them`);
    return usable;
  } finally {
    await client.end();
  }
}
