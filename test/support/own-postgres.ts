/**
 * A PostgreSQL server of a test's own (embedded, in a temporary directory, on a free port, run
 * by own-postgres-server.mjs), for tests that stop and start the database under the service:
 * the shared server of the test run must keep serving every other test file meanwhile.
 */
import { ChildProcessByStdio, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { Client } from 'pg';
import { AppConfig, Environment, loadConfig } from '../../src/config/app-config';
import { verifyDatabaseKeys } from '../../src/database/database-key-check';
import { migrateDatabase } from '../../src/database/database-migrator';
import { freePort } from './service-process';
import { serviceEnvironment } from './test-database';

const SERVER = join(__dirname, 'own-postgres-server.mjs');

export class OwnPostgres {
  private readonly answers: AsyncIterator<string>;

  private constructor(
    private readonly child: ChildProcessByStdio<Writable, Readable, null>,
    readonly url: string,
  ) {
    this.answers = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  static async start(): Promise<OwnPostgres> {
    const password = randomBytes(18).toString('base64url');
    const port = await freePort();
    const options = {
      dataDir: mkdtempSync(join(tmpdir(), 'smartretail-own-pg-')),
      port,
      password,
      database: 'smartretail',
    };
    const child = spawn(process.execPath, [SERVER, JSON.stringify(options)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/smartretail`;
    const pg = new OwnPostgres(child, url);
    await pg.answer();
    await migrateDatabase(pg.config());
    await verifyDatabaseKeys(pg.config());
    return pg;
  }

  /** Fast shutdown (SIGINT to the postmaster): sessions are cut, transactions roll back. */
  async stop(): Promise<void> {
    this.child.stdin.write('stop\n');
    await this.answer();
  }

  async restart(): Promise<void> {
    this.child.stdin.write('start\n');
    await this.answer();
  }

  /** Stops the server and its process for good. */
  async end(): Promise<void> {
    this.child.stdin.end();
    await once(this.child, 'exit');
  }

  private async answer(): Promise<void> {
    const { value, done } = await this.answers.next();
    if (done || value !== 'ok') throw new Error(`own PostgreSQL: ${done ? 'exited' : value}`);
  }

  config(overrides: Environment = {}): AppConfig {
    return loadConfig(serviceEnvironment(this.url, overrides), {
      embedded: false,
    });
  }

  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    const client = new Client({ connectionString: this.url });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  }
}
