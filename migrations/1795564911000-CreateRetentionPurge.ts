import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retention: the only way rows leave the import history and the audit trail.
 *
 * Why functions rather than DELETE grants: no role holds DELETE on these tables, and granting
 * it would allow any delete. Each SECURITY DEFINER function deletes one bounded batch of rows
 * older than a cutoff, nothing else; the service calls them as `admin` (the role that governs
 * personal data; EXECUTE is granted to it alone), one short transaction per batch, so no
 * statement holds row locks on more than `p_limit` rows or runs long.
 *
 * Why the audit trigger changes: audit_log stays append-only for everyone, the owner included.
 * The one exception is a DELETE made while smartretail.audit_retention_purge is on, which only
 * purge_audit_log sets, of a row older than 180 days. The setting alone proves nothing (any
 * session may set a custom setting), but only the owner can DELETE at all, and the age check
 * holds whoever deletes: the legal minimum of the audit trail (src/config/retention-limits.ts)
 * is enforced here, not only by the service's configuration. TRUNCATE stays forbidden.
 *
 * Import runs still `running` are never purged. Rejected rows go first (by their own batches:
 * one run can have millions of them), then the runs left without rejections, so the
 * ON DELETE CASCADE never deletes an unbounded number of rows behind one statement.
 */
export class CreateRetentionPurge1795564911000 implements MigrationInterface {
  name = 'CreateRetentionPurge1795564911000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION smartretail.forbid_audit_change() RETURNS trigger
      LANGUAGE plpgsql
      AS $$
      BEGIN
        IF TG_OP = 'DELETE'
           AND current_setting('smartretail.audit_retention_purge', true) = 'on'
           AND OLD.occurred_at < clock_timestamp() - interval '180 days' THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'SRA02';
      END
      $$`);

    await queryRunner.query(`
      CREATE FUNCTION smartretail.purge_audit_log(p_cutoff timestamptz, p_limit integer)
      RETURNS integer
      LANGUAGE plpgsql
      SECURITY DEFINER
      SET search_path = pg_catalog, public
      AS $$
      DECLARE
        deleted integer;
      BEGIN
        IF p_limit IS NULL OR p_limit < 1 OR p_limit > 100000 THEN
          RAISE EXCEPTION 'purge: the batch size must be from 1 to 100000' USING ERRCODE = '22023';
        END IF;
        IF p_cutoff IS NULL OR p_cutoff > clock_timestamp() - interval '180 days' THEN
          RAISE EXCEPTION 'purge: audit entries younger than 180 days are kept (legal minimum)'
            USING ERRCODE = '22023';
        END IF;
        PERFORM set_config('smartretail.audit_retention_purge', 'on', true);
        DELETE FROM public.audit_log
         WHERE audit_id IN (SELECT audit_id
                              FROM public.audit_log
                             WHERE occurred_at < p_cutoff
                             ORDER BY occurred_at
                             LIMIT p_limit);
        GET DIAGNOSTICS deleted = ROW_COUNT;
        PERFORM set_config('smartretail.audit_retention_purge', '', true);
        RETURN deleted;
      END
      $$`);

    await queryRunner.query(`
      CREATE FUNCTION smartretail.purge_import_rejections(p_cutoff timestamptz, p_limit integer)
      RETURNS integer
      LANGUAGE plpgsql
      SECURITY DEFINER
      SET search_path = pg_catalog, public
      AS $$
      DECLARE
        deleted integer;
      BEGIN
        IF p_limit IS NULL OR p_limit < 1 OR p_limit > 100000 THEN
          RAISE EXCEPTION 'purge: the batch size must be from 1 to 100000' USING ERRCODE = '22023';
        END IF;
        IF p_cutoff IS NULL OR p_cutoff > clock_timestamp() - interval '1 day' THEN
          RAISE EXCEPTION 'purge: import history younger than 1 day is kept' USING ERRCODE = '22023';
        END IF;
        -- import_rejections has no key; ctid names the batch's rows within this one statement.
        DELETE FROM public.import_rejections
         WHERE ctid = ANY (ARRAY(SELECT r.ctid
                                   FROM public.import_rejections r
                                   JOIN public.import_runs run ON run.id = r.run_id
                                  WHERE run.started_at < p_cutoff
                                    AND run.status <> 'running'
                                  LIMIT p_limit));
        GET DIAGNOSTICS deleted = ROW_COUNT;
        RETURN deleted;
      END
      $$`);

    await queryRunner.query(`
      CREATE FUNCTION smartretail.purge_import_runs(p_cutoff timestamptz, p_limit integer)
      RETURNS integer
      LANGUAGE plpgsql
      SECURITY DEFINER
      SET search_path = pg_catalog, public
      AS $$
      DECLARE
        deleted integer;
      BEGIN
        IF p_limit IS NULL OR p_limit < 1 OR p_limit > 100000 THEN
          RAISE EXCEPTION 'purge: the batch size must be from 1 to 100000' USING ERRCODE = '22023';
        END IF;
        IF p_cutoff IS NULL OR p_cutoff > clock_timestamp() - interval '1 day' THEN
          RAISE EXCEPTION 'purge: import history younger than 1 day is kept' USING ERRCODE = '22023';
        END IF;
        DELETE FROM public.import_runs
         WHERE id IN (SELECT run.id
                        FROM public.import_runs run
                       WHERE run.started_at < p_cutoff
                         AND run.status <> 'running'
                         AND NOT EXISTS (SELECT 1
                                           FROM public.import_rejections r
                                          WHERE r.run_id = run.id)
                       ORDER BY run.started_at
                       LIMIT p_limit);
        GET DIAGNOSTICS deleted = ROW_COUNT;
        RETURN deleted;
      END
      $$`);

    for (const fn of ['purge_audit_log', 'purge_import_rejections', 'purge_import_runs']) {
      await queryRunner.query(
        `REVOKE ALL ON FUNCTION smartretail.${fn}(timestamptz, integer) FROM PUBLIC`,
      );
      await queryRunner.query(
        `GRANT EXECUTE ON FUNCTION smartretail.${fn}(timestamptz, integer) TO admin`,
      );
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const fn of ['purge_audit_log', 'purge_import_rejections', 'purge_import_runs']) {
      await queryRunner.query(`DROP FUNCTION IF EXISTS smartretail.${fn}(timestamptz, integer)`);
    }
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION smartretail.forbid_audit_change() RETURNS trigger
      LANGUAGE plpgsql
      AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'SRA02';
      END
      $$`);
  }
}
