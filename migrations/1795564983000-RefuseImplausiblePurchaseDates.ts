import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Purchase dates are plausible (the catalog's rule on transactions.date_achat, see
 * src/catalog/value-rules.ts plausibleDateRule): not before 1900-01-01 and not more than one
 * day ahead. A purchase dated 9999-12-31 kept its client out of inactivity erasure for ever.
 * The importer refuses such rows with their reason; this is the database's own refusal, for
 * writes that do not go through it.
 *
 * The fixed bound is a CHECK constraint. "Not ahead of today" depends on the day it is
 * evaluated, which a CHECK must not (it is assumed immutable: a dump would not restore), so it
 * is a row trigger whose WHEN clause keeps plausible rows from even calling the function.
 * NOT VALID: rows already stored are not re-checked here (a wrong old date must not stop the
 * upgrade); `ALTER TABLE transactions VALIDATE CONSTRAINT ...` once they are corrected.
 * test/database/plausible-dates.spec.ts checks these bounds against the catalog's.
 */
export class RefuseImplausiblePurchaseDates1795564983000 implements MigrationInterface {
  name = 'RefuseImplausiblePurchaseDates1795564983000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE transactions ADD CONSTRAINT transactions_date_achat_not_before_1900
         CHECK (date_achat >= DATE '1900-01-01') NOT VALID`,
    );
    await queryRunner.query(`
      CREATE FUNCTION smartretail.refuse_future_purchase_date() RETURNS trigger
      LANGUAGE plpgsql
      SET search_path = pg_catalog
      AS $$
      BEGIN
        RAISE EXCEPTION 'transactions.date_achat must not be more than 1 day(s) ahead'
          USING ERRCODE = '23514';
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER transactions_refuse_future_purchase_date
      BEFORE INSERT OR UPDATE OF date_achat ON transactions
      FOR EACH ROW
      WHEN (NEW.date_achat > (pg_catalog.now() AT TIME ZONE 'UTC')::date + 1)
      EXECUTE FUNCTION smartretail.refuse_future_purchase_date()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DROP TRIGGER transactions_refuse_future_purchase_date ON transactions`,
    );
    await queryRunner.query(`DROP FUNCTION smartretail.refuse_future_purchase_date()`);
    await queryRunner.query(
      `ALTER TABLE transactions DROP CONSTRAINT transactions_date_achat_not_before_1900`,
    );
  }
}
