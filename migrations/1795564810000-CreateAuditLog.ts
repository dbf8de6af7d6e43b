import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Append-only audit of clear personal data served by the API: who (`sub` from the verified
 * token, published as request.jwt.claims), under which database role, which dataset, which
 * record ids, for which request.
 *
 * Why a SECURITY DEFINER function rather than an INSERT grant: the function is the only way in,
 * it takes `sub` and the role from the transaction itself (not from its arguments), and no role
 * but the owner holds INSERT, UPDATE, DELETE or TRUNCATE on the table. `admin` may only call the
 * function and read the table. The row is written in the same transaction as the read, so a
 * response with clear data is never sent without its audit row (if the insert fails, the request
 * fails). Such admin reads therefore run READ WRITE (a READ ONLY transaction refuses any insert,
 * even from a SECURITY DEFINER function); every other GET stays READ ONLY.
 *
 * Why a trigger on top of the grants: it also stops the owner's ad-hoc UPDATE/DELETE/TRUNCATE.
 * A retention purge must disable it explicitly, as the owner, which is a deliberate, visible act.
 */
export class CreateAuditLog1795564810000 implements MigrationInterface {
  name = 'CreateAuditLog1795564810000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE audit_log (
        audit_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        occurred_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
        sub          text NOT NULL,
        role         text NOT NULL,
        dataset      text NOT NULL,
        record_ids   integer[] NOT NULL,
        record_count integer NOT NULL,
        request_id   text NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX audit_log_sub_idx ON audit_log (sub, audit_id)`);
    await queryRunner.query(`CREATE INDEX audit_log_occurred_at_idx ON audit_log (occurred_at)`);

    await queryRunner.query(`
      CREATE FUNCTION smartretail.forbid_audit_change() RETURNS trigger
      LANGUAGE plpgsql
      AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'SRA02';
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER audit_log_append_only
      BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION smartretail.forbid_audit_change()`);
    await queryRunner.query(`
      CREATE TRIGGER audit_log_no_truncate
      BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION smartretail.forbid_audit_change()`);

    await queryRunner.query(`
      CREATE FUNCTION smartretail.audit_personal_read(p_dataset text, p_record_ids integer[], p_request_id text)
      RETURNS void
      LANGUAGE plpgsql
      SECURITY DEFINER
      SET search_path = pg_catalog, public
      AS $$
      DECLARE
        claims jsonb := nullif(current_setting('request.jwt.claims', true), '')::jsonb;
        caller text := claims ->> 'sub';
      BEGIN
        IF caller IS NULL OR caller = '' THEN
          RAISE EXCEPTION 'audit: no caller (request.jwt.claims.sub) in this transaction'
            USING ERRCODE = 'SRA01';
        END IF;
        INSERT INTO public.audit_log (sub, role, dataset, record_ids, record_count, request_id)
        VALUES (caller, current_setting('role'), p_dataset, coalesce(p_record_ids, '{}'),
                coalesce(cardinality(p_record_ids), 0), p_request_id);
      END
      $$`);

    await queryRunner.query(`REVOKE ALL ON audit_log FROM PUBLIC`);
    // Explicit: a per-schema ALTER DEFAULT PRIVILEGES cannot revoke the global default EXECUTE
    // that PUBLIC gets on new functions. A trigger function needs no EXECUTE grant to fire.
    await queryRunner.query(`REVOKE ALL ON FUNCTION smartretail.forbid_audit_change() FROM PUBLIC`);
    await queryRunner.query(`GRANT SELECT ON audit_log TO admin`);
    await queryRunner.query(
      `REVOKE ALL ON FUNCTION smartretail.audit_personal_read(text, integer[], text) FROM PUBLIC`,
    );
    await queryRunner.query(
      `GRANT EXECUTE ON FUNCTION smartretail.audit_personal_read(text, integer[], text) TO admin`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DROP FUNCTION IF EXISTS smartretail.audit_personal_read(text, integer[], text)`,
    );
    await queryRunner.query(`DROP TABLE IF EXISTS audit_log`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS smartretail.forbid_audit_change()`);
  }
}
