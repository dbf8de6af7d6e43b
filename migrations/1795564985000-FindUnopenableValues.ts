import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One corrupt stored value used to fail every listing that read it, and nothing said which row
 * it was: the error PostgreSQL raises (SQLSTATE 39000, "Wrong key or corrupt data", see
 * 1795564940000-SealPersonalValues.ts) names the column at most. This function finds, among a
 * set of rows, the values that do not open, so the service can log the dataset, the row's key
 * and the column when a read fails, and `npm run keys:verify` can scan a whole database.
 *
 * It opens values through the decrypted view, never by parsing them: the views are rendered
 * from the catalog with whatever open_value and key unwrapping the current format needs, so
 * this stays right when the format changes. First the whole set is read in one statement (the
 * usual case, every value opens, costs one scan); only when that raises 39000 is each value of
 * each row read alone, in its own subtransaction, catching 39000 per value. Any other error
 * (a missing key, SRK01 or SRK07) is not corruption and is raised as is.
 *
 * Returned per row with at least one value that does not open: the row's key, those columns,
 * and how many of its other values opened (none: the row's data key itself is likely damaged).
 * Values are never returned. SECURITY INVOKER: the caller reads what its own grants let it
 * read, and the keys are the caller's transaction's. The view, key and columns are identifiers
 * quoted with format('%I'), the row keys a bound array.
 */
export class FindUnopenableValues1795564985000 implements MigrationInterface {
  name = 'FindUnopenableValues1795564985000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION smartretail.unopenable_values(
        p_view text, p_key text, p_columns text[], p_keys integer[])
      RETURNS TABLE (row_key integer, unopenable text[], opened integer)
      LANGUAGE plpgsql STABLE
      SET search_path = pg_catalog, public
      AS $$
      DECLARE
        k integer;
        col text;
        v text;
        failed text[];
        ok integer;
      BEGIN
        BEGIN
          -- count() of a concatenation of every column: each value is opened, none is kept.
          EXECUTE format('SELECT count(concat(%s)) FROM %I WHERE %I = ANY ($1)',
                         (SELECT string_agg(format('%I::text', c), ', ') FROM unnest(p_columns) c),
                         p_view, p_key)
            USING p_keys;
          RETURN;
        EXCEPTION WHEN SQLSTATE '39000' THEN
          NULL;
        END;
        FOREACH k IN ARRAY p_keys LOOP
          failed := '{}';
          ok := 0;
          FOREACH col IN ARRAY p_columns LOOP
            BEGIN
              EXECUTE format('SELECT %I::text FROM %I WHERE %I = $1', col, p_view, p_key)
                INTO v USING k;
              IF v IS NOT NULL THEN
                ok := ok + 1;
              END IF;
            EXCEPTION WHEN SQLSTATE '39000' THEN
              failed := failed || col;
            END;
          END LOOP;
          IF cardinality(failed) > 0 THEN
            row_key := k;
            unopenable := failed;
            opened := ok;
            RETURN NEXT;
          END IF;
        END LOOP;
      END
      $$`);
    await queryRunner.query(
      `REVOKE ALL ON FUNCTION smartretail.unopenable_values(text, text, text[], integer[]) FROM PUBLIC`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DROP FUNCTION smartretail.unopenable_values(text, text, text[], integer[])`,
    );
  }
}
