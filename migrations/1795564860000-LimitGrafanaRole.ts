import { MigrationInterface, QueryRunner } from 'typeorm';

/** Long enough for any dashboard query over the kpi_* views; a runaway one is cancelled. */
export const GRAFANA_STATEMENT_TIMEOUT = '10s';
/** Grafana's datasource opens at most 5 (maxOpenConns); the rest is headroom for a restart. */
export const GRAFANA_CONNECTION_LIMIT = 10;

/**
 * Bounds what the dashboards' login can cost the database: a statement timeout, a connection
 * limit, read-only transactions, and no CONNECT on the cluster's other databases.
 *
 * CONNECT is a per-database privilege that PUBLIC holds by default (on `postgres` and
 * `template1` for instance), so it cannot be revoked from one role alone: the other databases
 * lose PUBLIC's CONNECT, when the migrator may change them (a superuser, as in the embedded and
 * Compose clusters, which serve SmartRetail only; superusers keep connecting). Elsewhere (a
 * managed server) a warning names each database its DBA must restrict. SmartRetail databases
 * themselves grant CONNECT to app_user and grafana explicitly (DATABASE_GRANTS), untouched here.
 */
export class LimitGrafanaRole1795564860000 implements MigrationInterface {
  name = 'LimitGrafanaRole1795564860000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER ROLE grafana CONNECTION LIMIT ${GRAFANA_CONNECTION_LIMIT}`);
    await queryRunner.query(
      `ALTER ROLE grafana SET statement_timeout = '${GRAFANA_STATEMENT_TIMEOUT}'`,
    );
    await queryRunner.query(`ALTER ROLE grafana SET idle_in_transaction_session_timeout = '60s'`);
    await queryRunner.query(`ALTER ROLE grafana SET default_transaction_read_only = on`);
    await queryRunner.query(`
      DO $$
      DECLARE
        db record;
      BEGIN
        FOR db IN
          SELECT datname, datdba FROM pg_database
           WHERE datname <> current_database() AND datallowconn
             AND has_database_privilege('grafana', oid, 'CONNECT')
             AND NOT EXISTS (
               SELECT 1 FROM aclexplode(datacl) a
                WHERE a.grantee = 'grafana'::regrole AND a.privilege_type = 'CONNECT')
        LOOP
          IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
             OR pg_has_role(current_user, db.datdba, 'MEMBER') THEN
            EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM PUBLIC', db.datname);
          ELSE
            RAISE WARNING 'the grafana role can connect to database % through PUBLIC: revoke CONNECT on it from PUBLIC', db.datname;
          END IF;
        END LOOP;
      END
      $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // PUBLIC's CONNECT on other databases is not given back: nothing of SmartRetail needs it.
    await queryRunner.query(`ALTER ROLE grafana RESET default_transaction_read_only`);
    await queryRunner.query(`ALTER ROLE grafana RESET idle_in_transaction_session_timeout`);
    await queryRunner.query(`ALTER ROLE grafana RESET statement_timeout`);
    await queryRunner.query(`ALTER ROLE grafana CONNECTION LIMIT -1`);
  }
}
