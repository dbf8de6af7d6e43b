import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `GET /datasets/{dataset}/records?order=<date column>.asc|desc` pages by keyset on
 * (date, primary key): each page is `WHERE (date, key) > (last date, last key) ORDER BY date,
 * key LIMIT n`, which only an index on exactly (date, key) answers as a range scan (forwards for
 * asc, backwards for desc) instead of sorting the whole table for every page.
 *
 * Nullable date columns are ordered by `coalesce(date, 'infinity')`: keyset conditions need a
 * key that is never NULL (a NULL compares as unknown and would drop those rows from every
 * page), 'infinity' sorts them last in asc and first in desc, as PostgreSQL orders NULLs, and
 * imported dates are real calendar days, never 'infinity'. The index is on that same
 * expression, so the planner matches it (record-sql.ts writes it the same way).
 */
export class IndexDateColumnsForKeysetOrder1795564930000 implements MigrationInterface {
  name = 'IndexDateColumnsForKeysetOrder1795564930000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE INDEX clients_date_inscription_keyset_idx
          ON clients ((coalesce(date_inscription, 'infinity'::date)), client_id)`);
    await queryRunner.query(`
      CREATE INDEX cartes_fidelite_date_creation_keyset_idx
          ON cartes_fidelite ((coalesce(date_creation, 'infinity'::date)), carte_id)`);
    await queryRunner.query(`
      CREATE INDEX transactions_date_achat_keyset_idx
          ON transactions (date_achat, transaction_id)`);
    await queryRunner.query(`
      CREATE INDEX cameras_date_heure_keyset_idx
          ON cameras (date_heure, camera_id)`);
    await queryRunner.query(`
      CREATE INDEX capteurs_iot_date_maj_keyset_idx
          ON capteurs_iot (date_maj, capteur_id)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS capteurs_iot_date_maj_keyset_idx`);
    await queryRunner.query(`DROP INDEX IF EXISTS cameras_date_heure_keyset_idx`);
    await queryRunner.query(`DROP INDEX IF EXISTS transactions_date_achat_keyset_idx`);
    await queryRunner.query(`DROP INDEX IF EXISTS cartes_fidelite_date_creation_keyset_idx`);
    await queryRunner.query(`DROP INDEX IF EXISTS clients_date_inscription_keyset_idx`);
  }
}
