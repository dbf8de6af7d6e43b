/**
 * A temporary DATA_DIR for the service or a CLI in embedded mode, and what tests need to look
 * inside it: its secrets, PostgreSQL's postmaster.pid, a superuser connection, role tokens.
 * clean() stops any PostgreSQL a failed test left running there, so no cluster outlives the suite.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { signRoleToken } from '../../src/auth/role-token.service';
import { EmbeddedDatabase } from '../../src/database/embedded-database';
import type { GeneratedSecrets } from '../../src/database/generated-secrets';
import type { DatabaseRole } from '../../src/auth/database-role';
import {
  PostmasterLock,
  readPostmasterLock,
} from '../../src/database/embedded/postmaster-lock-file';
import { stopPostmaster } from '../../src/database/embedded/postgres-server';
import { isPostgresProcessIn } from '../../src/database/embedded/process-table';
import { freePort } from './service-process';

export class EmbeddedDataDir {
  private constructor(readonly path: string) {}

  static create(prefix = 'smartretail-faults-'): EmbeddedDataDir {
    return new EmbeddedDataDir(mkdtempSync(join(tmpdir(), prefix)));
  }

  static at(path: string): EmbeddedDataDir {
    return new EmbeddedDataDir(path);
  }

  get clusterDir(): string {
    return join(this.path, 'pg');
  }

  get secrets(): GeneratedSecrets {
    return JSON.parse(readFileSync(join(this.path, 'secrets.json'), 'utf8')) as GeneratedSecrets;
  }

  /** What PostgreSQL's postmaster.pid says, if there is one. */
  postmaster(): PostmasterLock | undefined {
    return readPostmasterLock(this.clusterDir);
  }

  /** The environment of a service on this DATA_DIR, on free ports. */
  async serviceEnvironment(): Promise<Record<string, string>> {
    return {
      DATA_DIR: this.path,
      PORT: String(await freePort()),
      EMBEDDED_PG_PORT: String(await freePort()),
      IMPORT_ON_START: 'false',
      // No scheduled scan of the repository's data/ in the middle of a test's counts.
      IMPORT_CRON: '0 0 3 1 1 *',
    };
  }

  /** A superuser connection to the running cluster (postmaster.pid says where). */
  async superuser(database = 'smartretail'): Promise<Client> {
    const server = this.postmaster();
    if (!server) throw new Error(`no PostgreSQL runs in ${this.clusterDir}`);
    const password = encodeURIComponent(this.secrets.POSTGRES_PASSWORD);
    const client = new Client({
      connectionString: `postgres://postgres:${password}@127.0.0.1:${server.port}/${database}`,
    });
    await client.connect();
    return client;
  }

  async count(sql: string): Promise<number> {
    const client = await this.superuser();
    try {
      return Number((await client.query<{ n: string }>(sql)).rows[0].n);
    } finally {
      await client.end();
    }
  }

  bearer(role: DatabaseRole): [string, string] {
    const token = signRoleToken(
      { jwtSecret: this.secrets.JWT_SECRET },
      { role, sub: `${role}-tester`, ttlSeconds: 600 },
    );
    return ['Authorization', `Bearer ${token}`];
  }

  /**
   * Starts this DATA_DIR's PostgreSQL on its own, without the service (which would recover
   * interrupted runs at start-up), to look at what a stopped process left behind.
   */
  async inspect<T>(work: () => Promise<T>): Promise<T> {
    const database = new EmbeddedDatabase({
      dataDir: this.path,
      port: await freePort(),
      password: this.secrets.POSTGRES_PASSWORD,
      database: 'smartretail',
    });
    await database.start();
    try {
      return await work();
    } finally {
      await database.stop();
    }
  }

  /** Stops a PostgreSQL still running here (a test failed before its service stopped), then deletes it. */
  async clean(): Promise<void> {
    const server = this.postmaster();
    if (server && isPostgresProcessIn(server.pid, this.clusterDir)) {
      await stopPostmaster(server.pid).catch(() => undefined);
    }
    rmSync(this.path, { recursive: true, force: true });
  }
}
