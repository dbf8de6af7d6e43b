import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * client_data_key() looks a client's key up once per written row, like the protection trigger
 * (whose rendered definition sets the same, see src/database/schema/protection-trigger.renderer.ts).
 * Its plan is cached per session: made while smartretail.client_keys was empty and analysed, it
 * is a sequential scan, repeated for every row while the table grows, so inserting many new
 * clients outside the importer (psql, which leaves key creation to the trigger) became
 * quadratic: 20,000 clients took 22 s instead of 1.4 s. Its only query is a primary-key lookup.
 */
export class LookUpDataKeysByIndex1795564942000 implements MigrationInterface {
  name = 'LookUpDataKeysByIndex1795564942000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER FUNCTION smartretail.client_data_key(integer) SET enable_seqscan = off`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER FUNCTION smartretail.client_data_key(integer) RESET enable_seqscan`,
    );
  }
}
