/**
 * Brings a database to the current schema as its owner: applies pending migrations, then gives
 * the login roles their passwords. Several replicas may start at once, so the whole step runs
 * under a PostgreSQL advisory lock held on the migrating connection.
 */
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { scramSha256Verifier } from './scram-verifier';
import { sslOptions } from './ssl-options';

/** Arbitrary but fixed: every replica must contend for the same lock. */
export const MIGRATION_LOCK_KEY = 727_001;

export interface LoginRolePasswords {
  app_user: string;
  grafana: string;
}

export function ownerDataSource(databaseUrl: string, ssl: string = 'disable'): DataSource {
  return new DataSource({
    type: 'postgres',
    url: databaseUrl,
    ssl: sslOptions(ssl),
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    // One connection, so the advisory lock and the migrations share a session.
    extra: { max: 1, application_name: 'smartretail-migrator' },
    logging: ['error'],
  });
}

export async function migrateDatabase(
  databaseUrl: string,
  passwords: LoginRolePasswords,
  ssl = 'disable',
): Promise<string[]> {
  const dataSource = await ownerDataSource(databaseUrl, ssl).initialize();
  try {
    await dataSource.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      for (const role of ['app_user', 'grafana'] as const) {
        // A verifier is base64 and '$:' only, so quoting it inline is safe; ALTER ROLE takes no
        // bind parameters.
        await dataSource.query(
          `ALTER ROLE ${role} WITH LOGIN PASSWORD '${scramSha256Verifier(passwords[role])}'`,
        );
      }
      return applied.map((m) => m.name);
    } finally {
      await dataSource.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await dataSource.destroy();
  }
}
