import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Import history, the seed system's `log` table grown up: one row per run (upload, schedule,
 * CLI) and every rejected row of every run.
 *
 * Rejections never hold personal plaintext: the importer stores "[redacted]" as the value of a
 * personal column, so this table needs no encryption and writers may read it back.
 * The writer role records runs (the importer acts as writer); admin and writer read them.
 */
export class CreateImportHistory1795564805000 implements MigrationInterface {
  name = 'CreateImportHistory1795564805000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE import_runs (
        id               uuid PRIMARY KEY,
        dataset          text NOT NULL,
        source           text NOT NULL CHECK (source IN ('upload', 'schedule', 'cli')),
        mode             text NOT NULL CHECK (mode IN ('default', 'atomic')),
        file_name        text NOT NULL,
        size_bytes       bigint NOT NULL DEFAULT 0,
        checksum         text,
        started_at       timestamptz NOT NULL,
        finished_at      timestamptz,
        status           text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'skipped')),
        rows_read        bigint NOT NULL DEFAULT 0,
        inserted         bigint NOT NULL DEFAULT 0,
        updated          bigint NOT NULL DEFAULT 0,
        unchanged        bigint NOT NULL DEFAULT 0,
        rejected         bigint NOT NULL DEFAULT 0,
        duration_seconds numeric(12,3),
        warnings         jsonb NOT NULL DEFAULT '[]'::jsonb,
        error            text,
        CHECK (status = 'running' OR rows_read = inserted + updated + unchanged + rejected)
      )`);
    await queryRunner.query(
      `CREATE INDEX import_runs_started_at_idx ON import_runs (started_at DESC, id)`,
    );
    // The scheduled scan asks "was this exact content already imported successfully?" every tick.
    await queryRunner.query(`
      CREATE INDEX import_runs_succeeded_checksum_idx ON import_runs (dataset, checksum)
      WHERE status = 'succeeded'`);
    await queryRunner.query(
      `CREATE INDEX import_runs_running_idx ON import_runs (id) WHERE status = 'running'`,
    );

    await queryRunner.query(`
      CREATE TABLE import_rejections (
        run_id      uuid NOT NULL REFERENCES import_runs (id) ON DELETE CASCADE,
        line        integer NOT NULL,
        column_name text,
        reason      text NOT NULL,
        value       text
      )`);
    await queryRunner.query(
      `CREATE INDEX import_rejections_run_line_idx ON import_rejections (run_id, line)`,
    );

    await queryRunner.query(`REVOKE ALL ON import_runs, import_rejections FROM PUBLIC`);
    await queryRunner.query(`GRANT SELECT ON import_runs, import_rejections TO admin`);
    await queryRunner.query(
      `GRANT SELECT, INSERT, UPDATE ON import_runs, import_rejections TO writer`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS import_rejections`);
    await queryRunner.query(`DROP TABLE IF EXISTS import_runs`);
  }
}
