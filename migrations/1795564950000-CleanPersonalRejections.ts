import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The import history of a dataset with personal data held cells in clear. Values were redacted
 * by column, but a row shifted by one column puts an e-mail address under `date_inscription`
 * and a name under `client_id`, whose values were kept; an ignored header cell was repeated in
 * the warnings and, for a row with the wrong number of fields, as the rejection's column. An
 * erasure (DELETE /clients/{id}) did not reach them, and writers read them.
 *
 * From now on such rejections store the cell's shape (`value_shape`: length and character
 * classes) and never the cell; this migration cleans the rows written before, in place:
 * - `value` becomes NULL (kept as a column: other datasets still store theirs), except the
 *   integer key of an erased subject, which its tombstone keeps anyway;
 * - a `column_name` that is no catalog column was a header cell: it becomes its position,
 *   recovered from the reason ("10 fields expected, 8 found" blames the 9th column);
 * - warnings naming unknown header cells lose the names;
 * - an error quoting PostgreSQL's message loses it (input functions quote the value).
 *
 * 'clients' is the only dataset with personal columns, and its columns are spelt out: a frozen
 * migration cannot follow the catalog. The old values stay in dead tuples until VACUUM, and in
 * WAL archives and backups until they age out (see the README).
 */
const PERSONAL_RUNS = `SELECT id FROM import_runs WHERE dataset = 'clients'`;
const CLIENT_COLUMNS = `('client_id', 'nom', 'prenom', 'email', 'date_naissance', 'sexe', 'ville', 'date_inscription')`;

export class CleanPersonalRejections1795564950000 implements MigrationInterface {
  name = 'CleanPersonalRejections1795564950000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE import_rejections ADD COLUMN value_shape text`);
    await queryRunner.query(`
      UPDATE import_rejections SET value = NULL
       WHERE run_id IN (${PERSONAL_RUNS})
         AND value IS NOT NULL
         AND NOT (reason = 'erased subject' AND value ~ '^[0-9]+$')`);
    // "N fields expected, M found" names the first missing column (position M + 1) or the
    // first field too many, after the header's last column (position N).
    await queryRunner.query(`
      UPDATE import_rejections
         SET column_name = CASE
               WHEN column_name LIKE 'field % (after %)' AND reason ~ '^[0-9]+ fields expected'
                 THEN format('field %s (after ignored column %s)',
                             substring(reason FROM '^([0-9]+)')::int + 1,
                             substring(reason FROM '^([0-9]+)'))
               WHEN reason ~ '^[0-9]+ fields expected, [0-9]+ found$'
                 THEN format('ignored column %s', substring(reason FROM ', ([0-9]+) found$')::int + 1)
               ELSE 'ignored column'
             END
       WHERE run_id IN (${PERSONAL_RUNS})
         AND column_name NOT IN ${CLIENT_COLUMNS}
         AND column_name !~ '^field [0-9]+ \\(after (client_id|nom|prenom|email|date_naissance|sexe|ville|date_inscription)\\)$'`);
    await queryRunner.query(`
      UPDATE import_runs r
         SET warnings = (
               SELECT jsonb_agg(
                        CASE WHEN w LIKE 'unknown column(s) ignored: %'
                             THEN to_jsonb('unknown column(s) ignored (not named: the dataset holds personal data)'::text)
                             ELSE to_jsonb(w)
                        END ORDER BY n)
                 FROM jsonb_array_elements_text(r.warnings) WITH ORDINALITY AS e (w, n))
       WHERE r.dataset = 'clients'
         AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(r.warnings) AS e (w)
                      WHERE w LIKE 'unknown column(s) ignored: %')`);
    // The protection trigger's own messages start with "clients." or "clients:" and are
    // written from literals; any other message of PostgreSQL may quote the refused value.
    await queryRunner.query(`
      UPDATE import_runs
         SET error = 'the database refused the file (its message was removed: it may have quoted a value)'
       WHERE dataset = 'clients'
         AND error LIKE 'the database refused the file: %'
         AND error NOT LIKE 'the database refused the file: clients.%'
         AND error NOT LIKE 'the database refused the file: clients:%'`);
  }

  /** The cleaned values are gone for good; only the new column can be taken back. */
  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE import_rejections DROP COLUMN value_shape`);
  }
}
