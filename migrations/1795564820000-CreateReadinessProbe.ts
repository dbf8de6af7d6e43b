import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Readiness must know whether the schema is up to date, but the service logs in as app_user,
 * which holds no privilege of its own, and TypeORM's `migrations` table belongs to the owner.
 * Rather than granting a table, a SECURITY DEFINER function exposes exactly one fact, the names
 * of the applied migrations, to the role the readiness probe switches to (analyst, read only).
 * Its search_path is pinned and every name qualified, as a definer function must.
 */
export class CreateReadinessProbe1795564820000 implements MigrationInterface {
  name = 'CreateReadinessProbe1795564820000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION smartretail.applied_migrations() RETURNS SETOF text
      LANGUAGE sql STABLE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      AS $$ SELECT name::text FROM public.migrations ORDER BY "timestamp" $$`);
    await queryRunner.query(
      `REVOKE EXECUTE ON FUNCTION smartretail.applied_migrations() FROM PUBLIC`,
    );
    await queryRunner.query(
      `GRANT EXECUTE ON FUNCTION smartretail.applied_migrations() TO admin, analyst`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION IF EXISTS smartretail.applied_migrations()`);
  }
}
