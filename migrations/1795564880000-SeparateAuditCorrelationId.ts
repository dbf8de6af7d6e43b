import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit key is the server's own request id, never the caller's.
 *
 * Until now `request_id` held whatever X-Request-Id the caller sent (when plain), so a caller
 * could make its audited reads share an id with someone else's requests, or look like requests
 * that never happened. The server now always generates a UUID per request; the function takes
 * it as `uuid` (so a caller-chosen word cannot be stored as the key even by mistake) and keeps
 * the caller's X-Request-Id apart in `correlation_id`, for matching with the caller's own logs.
 * Rows written before this migration keep their old text ids.
 */
export class SeparateAuditCorrelationId1795564880000 implements MigrationInterface {
  name = 'SeparateAuditCorrelationId1795564880000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE audit_log ADD COLUMN correlation_id text`);
    await queryRunner.query(`DROP FUNCTION smartretail.audit_personal_read(text, integer[], text)`);
    await queryRunner.query(`
      CREATE FUNCTION smartretail.audit_personal_read(
        p_dataset text, p_record_ids integer[], p_request_id uuid, p_correlation_id text)
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
        INSERT INTO public.audit_log
          (sub, role, dataset, record_ids, record_count, request_id, correlation_id)
        VALUES (caller, current_setting('role'), p_dataset, coalesce(p_record_ids, '{}'),
                coalesce(cardinality(p_record_ids), 0), p_request_id::text,
                left(p_correlation_id, 64));
      END
      $$`);
    await queryRunner.query(
      `REVOKE ALL ON FUNCTION smartretail.audit_personal_read(text, integer[], uuid, text) FROM PUBLIC`,
    );
    await queryRunner.query(
      `GRANT EXECUTE ON FUNCTION smartretail.audit_personal_read(text, integer[], uuid, text) TO admin`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DROP FUNCTION smartretail.audit_personal_read(text, integer[], uuid, text)`,
    );
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
    await queryRunner.query(
      `REVOKE ALL ON FUNCTION smartretail.audit_personal_read(text, integer[], text) FROM PUBLIC`,
    );
    await queryRunner.query(
      `GRANT EXECUTE ON FUNCTION smartretail.audit_personal_read(text, integer[], text) TO admin`,
    );
    await queryRunner.query(`ALTER TABLE audit_log DROP COLUMN correlation_id`);
  }
}
