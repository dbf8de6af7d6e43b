import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail records what was done with personal data, not only reads: `action` is 'read'
 * for every row written so far and by audit_personal_read, 'erase' for an erasure (Art. 17).
 * Same guarantees as audit_personal_read: SECURITY DEFINER, `sub` and the role taken from the
 * transaction, never from arguments; ids only, never a personal value.
 */
export class AuditPersonalActions1795564921000 implements MigrationInterface {
  name = 'AuditPersonalActions1795564921000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS action text NOT NULL DEFAULT 'read'`,
    );
    await queryRunner.query(`
      CREATE FUNCTION smartretail.audit_personal_action(
        p_action text, p_dataset text, p_record_ids integer[], p_request_id uuid, p_correlation_id text)
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
          (action, sub, role, dataset, record_ids, record_count, request_id, correlation_id)
        VALUES (p_action, caller, current_setting('role'), p_dataset, coalesce(p_record_ids, '{}'),
                coalesce(cardinality(p_record_ids), 0), p_request_id::text,
                left(p_correlation_id, 64));
      END
      $$`);
    const signature = 'audit_personal_action(text, text, integer[], uuid, text)';
    await queryRunner.query(`REVOKE ALL ON FUNCTION smartretail.${signature} FROM PUBLIC`);
    await queryRunner.query(`GRANT EXECUTE ON FUNCTION smartretail.${signature} TO admin`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DROP FUNCTION smartretail.audit_personal_action(text, text, integer[], uuid, text)`,
    );
    await queryRunner.query(`ALTER TABLE audit_log DROP COLUMN action`);
  }
}
