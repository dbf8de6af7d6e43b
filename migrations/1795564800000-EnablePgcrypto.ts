import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * pgcrypto provides AES-256 (via OpenPGP symmetric encryption) and HMAC inside the database,
 * so encryption happens in triggers that every writer goes through, psql users included.
 * Internal helpers live in their own schema so `public` holds only the seed system's tables
 * and views.
 */
export class EnablePgcrypto1795564800000 implements MigrationInterface {
  name = 'EnablePgcrypto1795564800000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public`);
    await queryRunner.query(`CREATE SCHEMA IF NOT EXISTS smartretail`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP SCHEMA IF EXISTS smartretail CASCADE`);
    await queryRunner.query(`DROP EXTENSION IF EXISTS pgcrypto`);
  }
}
