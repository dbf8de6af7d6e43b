import { MigrationInterface, QueryRunner } from 'typeorm';

// A frozen copy of the catalog's table list: a migration must keep meaning what it meant when
// it ran, even after the catalog changes (the catalog-schema test checks they agree today).
const RETAIL_TABLES = [
  'clients',
  'magasins',
  'produits',
  'cartes_fidelite',
  'transactions',
  'details_transactions',
  'cameras',
  'capteurs_iot',
];
const NON_PERSONAL_TABLES = RETAIL_TABLES.filter((t) => t !== 'clients');

/**
 * Database-level grants are stored per database, not per cluster, so a database cloned from a
 * template (as the tests do) must have them applied again; exported for that reason only.
 */
export const DATABASE_GRANTS = `
  DO $$
  BEGIN
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO app_user, grafana', current_database());
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO writer', current_database());
  END
  $$`;

/**
 * Roles are cluster-wide, so they are created only when missing. None of them can log in until
 * the service sets its password at start-up (from configuration, as a SCRAM verifier), so no
 * password ever appears in a migration.
 *
 * - app_user: the service's login. NOINHERIT and no grants of its own: it can only act by
 *   switching, per transaction, to admin, writer or analyst.
 * - admin: everything, including clear personal data through the decrypted views.
 * - writer: loads data; may insert/update base tables, reads no decrypted view and no ciphertext.
 * - analyst: non-personal data in clear, clients only through the pseudonymised view.
 * - grafana: dashboards; aggregate views only (granted by the migration that creates them).
 */
export class CreateRolesAndGrants1795564804000 implements MigrationInterface {
  name = 'CreateRolesAndGrants1795564804000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DO $$
      DECLARE
        r text;
      BEGIN
        FOREACH r IN ARRAY ARRAY['admin', 'writer', 'analyst', 'app_user', 'grafana'] LOOP
          IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
          END IF;
        END LOOP;
      END
      $$`);
    await queryRunner.query(`ALTER ROLE app_user NOINHERIT`);
    await queryRunner.query(`GRANT admin, writer, analyst TO app_user`);

    await queryRunner.query(DATABASE_GRANTS);

    await queryRunner.query(`REVOKE ALL ON SCHEMA public FROM PUBLIC`);
    await queryRunner.query(`REVOKE ALL ON SCHEMA smartretail FROM PUBLIC`);
    await queryRunner.query(`GRANT USAGE ON SCHEMA public TO admin, writer, analyst, grafana`);
    await queryRunner.query(`GRANT USAGE ON SCHEMA smartretail TO admin, writer, analyst`);

    // pgcrypto grants EXECUTE to PUBLIC on creation; only the roles that encrypt or decrypt keep it.
    await queryRunner.query(`REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC`);
    await queryRunner.query(`REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA smartretail FROM PUBLIC`);
    await queryRunner.query(
      `GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO admin, writer, analyst`,
    );
    await queryRunner.query(
      `GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA smartretail TO admin, writer, analyst`,
    );
    // Global (not IN SCHEMA): a schema-level default can only add to the built-in PUBLIC EXECUTE
    // grant, never remove it, so functions of later migrations would otherwise be PUBLIC.
    await queryRunner.query(`ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC`);

    const tables = RETAIL_TABLES.join(', ');
    const views = RETAIL_TABLES.map((t) => `v_${t}_decrypted`).join(', ');
    await queryRunner.query(`REVOKE ALL ON ${tables} FROM PUBLIC`);
    await queryRunner.query(`REVOKE ALL ON ${views}, v_clients_pseudonymised FROM PUBLIC`);

    await queryRunner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${tables} TO admin`);
    await queryRunner.query(`GRANT SELECT ON ${views}, v_clients_pseudonymised TO admin`);

    await queryRunner.query(`GRANT INSERT, UPDATE ON ${tables} TO writer`);
    await queryRunner.query(`GRANT SELECT ON ${NON_PERSONAL_TABLES.join(', ')} TO writer`);
    // The loader needs keys and digests to classify rows, never the ciphertext itself.
    await queryRunner.query(
      `GRANT SELECT (client_id, date_inscription, pii_digest) ON clients TO writer`,
    );

    const analystViews = NON_PERSONAL_TABLES.map((t) => `v_${t}_decrypted`).join(', ');
    await queryRunner.query(`GRANT SELECT ON ${analystViews}, v_clients_pseudonymised TO analyst`);

    // Defence in depth for the per-transaction keys: even if an operator turns on statement
    // logging, the service's bind parameters (which carry the keys) are not written to the log.
    // Only a superuser may set these, so a managed server's DBA sets them instead.
    await queryRunner.query(`
      DO $$
      BEGIN
        IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
          ALTER ROLE app_user SET log_parameter_max_length = 0;
          ALTER ROLE app_user SET log_parameter_max_length_on_error = 0;
        END IF;
      END
      $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const tables = RETAIL_TABLES.join(', ');
    const views = RETAIL_TABLES.map((t) => `v_${t}_decrypted`).join(', ');
    await queryRunner.query(
      `REVOKE ALL ON ${tables}, ${views}, v_clients_pseudonymised FROM admin, writer, analyst`,
    );
    await queryRunner.query(`REVOKE admin, writer, analyst FROM app_user`);
  }
}
