import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `Prefer: count=exact` on clients counted the personal view, and count(*) on it unwraps every
 * row's data key (the lateral unwrapped_value_keys call cannot be left out of the plan): on
 * 600,000 clients an exact count ran past the 15 s statement timeout. This view holds the same
 * rows (a tombstone has no data key, so the semi-join leaves it out as the views' join does)
 * with the clear columns only, which both readers' views show too; the read API filters and
 * counts on it. Rendered by src/database/schema/record-views.renderer.ts (countableView), its
 * grant by grants.renderer.ts: the readers of clients' records, admin and analyst.
 */
export class CountWithoutOpeningValues1795565030000 implements MigrationInterface {
  name = 'CountWithoutOpeningValues1795565030000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
CREATE OR REPLACE VIEW v_clients_countable AS
SELECT t.client_id,
       t.date_inscription
  FROM clients t
 WHERE EXISTS (SELECT 1 FROM smartretail.client_keys ck WHERE ck.client_id = t.client_id)`);
    await queryRunner.query(
      `REVOKE ALL ON TABLE v_clients_countable FROM PUBLIC, admin, writer, analyst, grafana, app_user`,
    );
    await queryRunner.query(`GRANT SELECT ON v_clients_countable TO admin, analyst`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP VIEW v_clients_countable`);
  }
}
