/**
 * A fresh, migrated database per test file, cloned from the template the global setup migrated,
 * plus connections as any of the project's roles. Everything here talks to a real PostgreSQL.
 */
import { retryConcurrentCatalogUpdate } from '../../src/database/catalog-update-retry';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DATABASE_GRANTS } from '../../migrations/1795564804000-CreateRolesAndGrants';
import { AppConfig, Environment, loadConfig } from '../../src/config/app-config';
import { decodeSecret } from '../../src/config/secret-key.validator';
import { urlForRole } from '../../src/database/connection-url';
import { verifyDatabaseKeys } from '../../src/database/database-key-check';
import { migrateDatabase } from '../../src/database/database-migrator';

const required = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through jest (global setup)`);
  return value;
};

export const testSecrets = () => ({
  encryptionKey: required('TEST_ENCRYPTION_KEY'),
  blindIndexKey: required('TEST_BLIND_INDEX_KEY'),
  jwtSecret: required('TEST_JWT_SECRET'),
  appDbPassword: required('TEST_APP_DB_PASSWORD'),
  grafanaDbPassword: required('TEST_GRAFANA_DB_PASSWORD'),
});

/** A service's environment in production, with the test secrets, pointed at `databaseUrl`. */
export function serviceEnvironment(databaseUrl: string, overrides: Environment = {}): Environment {
  const s = testSecrets();
  return {
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    ENCRYPTION_KEY: s.encryptionKey,
    BLIND_INDEX_KEY: s.blindIndexKey,
    JWT_SECRET: s.jwtSecret,
    APP_DB_PASSWORD: s.appDbPassword,
    GRAFANA_DB_PASSWORD: s.grafanaDbPassword,
    LOG_LEVEL: 'warn',
    IMPORT_ON_START: 'false',
    // No scheduled scan of the repository's data/ landing in the middle of a test's counts;
    // tests of the schedule set their own.
    IMPORT_CRON: '0 0 3 1 1 *',
    // Tests write a file and scan at once; the settle rule has its own spec (settled-files).
    IMPORT_SETTLE_MS: '0',
    // Functional tests send many requests from one address and subject; the rate-limit spec
    // (test/http/rate-limits.spec.ts) sets its own small limits.
    RATE_LIMIT_AUTH_FAILURES: '1000000',
    RATE_LIMIT_UPLOADS: '1000000',
    ...overrides,
  };
}

export class TestDatabase {
  private constructor(
    readonly name: string,
    readonly ownerUrl: string,
  ) {}

  /** A clone of the migrated template, or (`template0`) an empty database to migrate by hand. */
  static async create(template = required('TEST_TEMPLATE_DB')): Promise<TestDatabase> {
    const name = `test_${randomBytes(6).toString('hex')}`;
    const admin = new Client({ connectionString: required('TEST_ADMIN_URL') });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
    } finally {
      await admin.end();
    }
    const url = new URL(required('TEST_ADMIN_URL'));
    url.pathname = `/${name}`;
    const db = new TestDatabase(name, url.toString());
    await retryConcurrentCatalogUpdate(() => db.asOwner((c) => c.query(DATABASE_GRANTS)));
    return db;
  }

  /**
   * A clone brought up to date the way the service does it at start-up (migrations, then the
   * key check, which refuses keys other than the ones the template enrolled); returns its config.
   */
  async migrate(overrides: Environment = {}): Promise<AppConfig> {
    const config = this.config(overrides);
    await migrateDatabase(config);
    await verifyDatabaseKeys(config);
    return config;
  }

  /** The environment a service instance would get in production, pointed at this database. */
  environment(overrides: Environment = {}): Environment {
    return serviceEnvironment(this.ownerUrl, overrides);
  }

  config(overrides: Environment = {}): AppConfig {
    return loadConfig(this.environment(overrides), { embedded: false });
  }

  /** A connection logged in as a login role (the owner, app_user or grafana). */
  async connect(login: 'owner' | 'app_user' | 'grafana' = 'owner'): Promise<Client> {
    const s = testSecrets();
    const url =
      login === 'owner'
        ? this.ownerUrl
        : urlForRole(
            this.ownerUrl,
            login,
            login === 'app_user' ? s.appDbPassword : s.grafanaDbPassword,
          );
    const client = new Client({ connectionString: url });
    await client.connect();
    return client;
  }

  async asOwner<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const client = await this.connect('owner');
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  async drop(): Promise<void> {
    const admin = new Client({ connectionString: required('TEST_ADMIN_URL') });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  }
}

export interface SessionScope {
  role?: 'admin' | 'writer' | 'analyst';
  /** Which per-transaction keys to supply (default: both). */
  keys?: 'both' | 'none' | 'encryption-only';
}

/**
 * Runs `work` in one transaction on `client`, switched to `scope.role` with the keys set the way
 * the service sets them, then rolls back or commits.
 */
export async function inTransaction<T>(
  client: Client,
  scope: SessionScope,
  work: () => Promise<T>,
  { commit = true } = {},
): Promise<T> {
  const s = testSecrets();
  const keys = scope.keys ?? 'both';
  const aes = keys === 'none' ? '' : canonicalKey(s.encryptionKey);
  const blind = keys === 'both' ? canonicalKey(s.blindIndexKey) : '';
  await client.query('BEGIN');
  try {
    await client.query(
      `SELECT set_config('smartretail.encryption_key', $1, true), set_config('smartretail.blind_index_key', $2, true)`,
      [aes, blind],
    );
    if (scope.role) await client.query(`SELECT set_config('role', $1, true)`, [scope.role]);
    const result = await work();
    await client.query(commit ? 'COMMIT' : 'ROLLBACK');
    return result;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

/** The service passes keys as canonical hex (see AppConfig); tests pass the same form. */
export const canonicalKey = (secret: string): string => decodeSecret(secret)!.toString('hex');

/**
 * `count` clients 1..count through the real trigger, as admin, in one statement: a table big
 * enough to load a service (paging, counts, floods) without a file import.
 */
export async function plantClients(db: TestDatabase, count: number): Promise<void> {
  const client = await db.connect('app_user');
  try {
    await inTransaction(client, { role: 'admin' }, () =>
      client.query(
        `INSERT INTO clients (client_id, nom, prenom, email, date_naissance, sexe, ville, date_inscription)
         SELECT g, convert_to('Nom ' || g, 'UTF8'), convert_to('Prénom', 'UTF8'),
                convert_to('c' || g || '@exemple.fr', 'UTF8'), convert_to('1980-05-17', 'UTF8'),
                convert_to('F', 'UTF8'), convert_to('Lyon', 'UTF8'), DATE '2020-01-01' + g % 1500
           FROM generate_series(1, $1::int) g`,
        [count],
      ),
    );
  } finally {
    await client.end();
  }
}
