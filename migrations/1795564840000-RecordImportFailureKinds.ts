import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why a run failed, as a closed list, so the scheduled scan can tell a file that will fail
 * again (bad input, or a bug it triggers: retried only once its content changes) from a run
 * the service cut short (database outage, interrupted process: retried on the next tick).
 *
 * - input: the file's fault (4xx); internal: an unexpected error (500, see the service log);
 *   unavailable: the database went away or stayed busy; interrupted: the process died or was
 *   stopped mid-file; timeout: the upload's body stopped arriving.
 */
export class RecordImportFailureKinds1795564840000 implements MigrationInterface {
  name = 'RecordImportFailureKinds1795564840000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE import_runs
        ADD COLUMN failure_kind text
        CHECK (failure_kind IN ('input', 'internal', 'unavailable', 'interrupted', 'timeout'))`);
    await queryRunner.query(`
      UPDATE import_runs SET failure_kind = CASE WHEN error = 'interrupted' THEN 'interrupted' ELSE 'input' END
       WHERE status = 'failed'`);
    await queryRunner.query(`
      ALTER TABLE import_runs
        ADD CONSTRAINT import_runs_failure_kind_check_status
        CHECK ((status = 'failed') = (failure_kind IS NOT NULL))`);
    // The scan asks "what became of this exact content before?" for every file on every tick.
    await queryRunner.query(`
      CREATE INDEX import_runs_dataset_checksum_idx ON import_runs (dataset, checksum)
      WHERE checksum IS NOT NULL`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS import_runs_dataset_checksum_idx`);
    await queryRunner.query(
      `ALTER TABLE import_runs DROP CONSTRAINT IF EXISTS import_runs_failure_kind_check_status`,
    );
    await queryRunner.query(`ALTER TABLE import_runs DROP COLUMN IF EXISTS failure_kind`);
  }
}
