import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Finds the audit entries about one client, for the access export (GET /clients/{id}/export).
 *
 * The audit trail has no subject column: an entry names the dataset and the primary keys of the
 * records it served. For a client, "the entries about them" are therefore those of dataset
 * `clients` whose `record_ids` contain the client's id: page reads, single reads and e-mail
 * lookups that returned them, and exports of them. Only `clients` is audited (the only dataset
 * with personal columns), so the index is partial on it; a GIN index answers
 * `record_ids @> ARRAY[id]` without scanning the whole trail.
 */
export class IndexAuditByClient1795564910000 implements MigrationInterface {
  name = 'IndexAuditByClient1795564910000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE INDEX audit_log_client_record_ids_idx
          ON audit_log USING gin (record_ids)
       WHERE dataset = 'clients'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS audit_log_client_record_ids_idx`);
  }
}
