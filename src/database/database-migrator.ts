/**
 * Brings a database to the current schema as its owner: applies pending migrations, then gives
 * the login roles their passwords. Several replicas may start at once, so the whole step runs
 * under a PostgreSQL advisory lock held on the migrating connection. That lock and the master
 * key are session state, so this connection goes directly to PostgreSQL (DATABASE_MIGRATION_URL
 * when DATABASE_URL is a transaction-mode pooler), never through a pooler that moves a session's
 * statements between server connections.
 */
import { DataSource } from 'typeorm';
import { Client } from 'pg';
import { MIGRATIONS } from '../../migrations';
import { retryConcurrentCatalogUpdate } from './catalog-update-retry';
import { DATABASE_GRANTS } from '../../migrations/1795564804000-CreateRolesAndGrants';
import { datasetCatalog } from '../catalog/dataset-catalog';
import { recordVisibility } from '../catalog/record-visibility';
import { renderProtectionLayer } from './schema/protection-layer';
import type { AppConfig } from '../config/app-config';
import { urlForRole } from './connection-url';
import { scramSha256Verifier } from './scram-verifier';
import { sslOptions } from './ssl-options';
import { QueryErrorLogger } from './query-error-logger';

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
    logger: new QueryErrorLogger(),
  });
}

/**
 * What migrating needs from the configuration: the owner's URL (the direct one when it differs),
 * TLS, the login passwords, and
 * the master key for the migrations that re-encrypt existing data (EnvelopeEncryption), which is
 * set on the migrating session only, with parameter logging off where the owner may turn it off.
 */
export type MigrationTarget = Pick<
  AppConfig,
  'databaseUrl' | 'appDbPassword' | 'grafanaDbPassword'
> &
  Partial<
    Pick<AppConfig, 'databaseMigrationUrl' | 'dbSsl' | 'encryptionKey' | 'encryptionKeyVersion'>
  >;

/** Applies pending migrations as the owner, then sets the login roles' passwords. */
export async function migrateDatabase(config: MigrationTarget): Promise<string[]> {
  const { dbSsl: ssl = 'disable' } = config;
  const databaseUrl = config.databaseMigrationUrl ?? config.databaseUrl;
  const passwords: LoginRolePasswords = {
    app_user: config.appDbPassword,
    grafana: config.grafanaDbPassword,
  };
  const dataSource = await ownerDataSource(databaseUrl, ssl).initialize();
  try {
    await dataSource.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      if (config.encryptionKey)
        await setSessionKeys(dataSource, config.encryptionKey, config.encryptionKeyVersion ?? 1);
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      await restoreLostPrivileges(dataSource);
      await restoreDatabaseWideGrants(dataSource);
      for (const role of ['app_user', 'grafana'] as const) {
        await setLoginPassword(dataSource, databaseUrl, ssl, role, passwords[role]);
      }
      return applied.map((m) => m.name);
    } finally {
      await dataSource.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await dataSource.destroy();
  }
}

/**
 * A database restored with `pg_restore --no-privileges` (or `-x`) has every object but none of
 * its grants: the service's roles cannot even reach the smartretail schema ("permission denied
 * for schema smartretail"), and functions are back to PostgreSQL's default EXECUTE for PUBLIC.
 * Migrations have all run there, so nothing else would put the grants back: when the roles have
 * lost their schema usage, the declared privileges (the same statements the generated migrations
 * hold, revoke-all then grant) are applied again, in one transaction.
 */
async function restoreLostPrivileges(owner: DataSource): Promise<void> {
  const rows = await owner.query<{ intact: boolean }[]>(
    `SELECT bool_and(has_schema_privilege(r, s, 'USAGE')) AS intact
       FROM unnest(ARRAY['admin', 'writer', 'analyst']) r, unnest(ARRAY['public', 'smartretail']) s`,
  );
  if (rows[0].intact) return;
  const { grants } = renderProtectionLayer(datasetCatalog, recordVisibility);
  const runner = owner.createQueryRunner();
  try {
    await runner.startTransaction();
    await runner.query(`SET LOCAL search_path = public`);
    for (const statement of grants) await runner.query(statement);
    await runner.commitTransaction();
  } catch (error) {
    await runner.rollbackTransaction();
    throw error;
  } finally {
    await runner.release();
  }
}

/**
 * Two of the first migration's grants are not in what pg_restore puts into an existing database:
 * the database's own (REVOKE ALL FROM PUBLIC, CONNECT for the login roles, TEMPORARY for writer:
 * pg_dump writes them only with --create), and the owner's default privileges (no EXECUTE for
 * PUBLIC on the functions later migrations create: they name their role, so the new owner of a
 * --no-owner restore has none). Left so, every role of the cluster could connect and create
 * temporary tables, and a later migration's function would be executable by PUBLIC. Each is
 * applied again when found missing (test/database/pg-dump-restore.spec.ts).
 */
async function restoreDatabaseWideGrants(owner: DataSource): Promise<void> {
  const [state] = await owner.query<{ database_open: boolean; functions_public: boolean }[]>(`
    SELECT has_database_privilege('public', current_database(), 'CONNECT')
             OR has_database_privilege('public', current_database(), 'TEMPORARY') AS database_open,
           EXISTS (
             SELECT 1
               FROM pg_roles r,
                    aclexplode(coalesce(
                      (SELECT defaclacl FROM pg_default_acl
                        WHERE defaclrole = r.oid AND defaclnamespace = 0 AND defaclobjtype = 'f'),
                      acldefault('f', r.oid))) acl
              WHERE r.rolname = current_user AND acl.grantee = 0 AND acl.privilege_type = 'EXECUTE'
           ) AS functions_public`);
  if (state.database_open) await retryConcurrentCatalogUpdate(() => owner.query(DATABASE_GRANTS));
  if (state.functions_public) {
    await owner.query(`ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC`);
  }
}

async function setSessionKeys(owner: DataSource, key: string, version: number): Promise<void> {
  await owner.query(`
    DO $$
    BEGIN
      IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        SET log_parameter_max_length = 0;
        SET log_parameter_max_length_on_error = 0;
      END IF;
    END
    $$`);
  await owner.query(
    `SELECT set_config('smartretail.encryption_key', $1, false),
            set_config('smartretail.encryption_key_version', $2, false)`,
    [key, String(version)],
  );
}

/**
 * Roles are cluster-wide while the advisory lock above is per database, so services of other
 * databases on the same server may set the same role at the same moment. Skip the write when
 * the password already works, and retry PostgreSQL's "tuple concurrently updated".
 */
async function setLoginPassword(
  owner: DataSource,
  databaseUrl: string,
  ssl: string,
  role: 'app_user' | 'grafana',
  password: string,
): Promise<void> {
  if (await canLogIn(urlForRole(databaseUrl, role, password), ssl)) return;
  // A verifier is base64 and '$:' only, so quoting it inline is safe; ALTER ROLE takes no bind
  // parameters.
  await retryConcurrentCatalogUpdate(() =>
    owner.query(`ALTER ROLE ${role} WITH LOGIN PASSWORD '${scramSha256Verifier(password)}'`),
  );
}

async function canLogIn(url: string, ssl: string): Promise<boolean> {
  const client = new Client({ connectionString: url, ssl: sslOptions(ssl) });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
