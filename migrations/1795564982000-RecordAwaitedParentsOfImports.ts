import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A child file imported while its parent's file had failed (or was still being written) gets its
 * rows refused as orphans; until now the run still "succeeded" and its checksum made every later
 * scan skip that content, so those rows never came in. The run now records which parents it
 * waits for; the scan imports the same content again once they have loaded
 * (src/imports/schedule/scan-progress.ts). NULL: the run waits for nothing.
 */
export class RecordAwaitedParentsOfImports1795564982000 implements MigrationInterface {
  name = 'RecordAwaitedParentsOfImports1795564982000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE import_runs ADD COLUMN awaited_parents text[]`);
    await queryRunner.query(
      `ALTER TABLE import_runs ADD CONSTRAINT import_runs_awaited_parents_check
         CHECK (awaited_parents IS NULL OR (status = 'succeeded' AND cardinality(awaited_parents) > 0))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE import_runs DROP COLUMN awaited_parents`);
  }
}
