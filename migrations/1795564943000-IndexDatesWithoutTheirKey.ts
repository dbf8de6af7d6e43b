import { MigrationInterface, QueryRunner } from 'typeorm';

/** [table, keyset index on (date, key), the date expression it is ordered by]. */
const KEYSET_INDEXES = [
  [
    'clients',
    'clients_date_inscription_keyset_idx',
    `coalesce(date_inscription, 'infinity'::date)`,
    'client_id',
  ],
  [
    'cartes_fidelite',
    'cartes_fidelite_date_creation_keyset_idx',
    `coalesce(date_creation, 'infinity'::date)`,
    'carte_id',
  ],
  ['transactions', 'transactions_date_achat_keyset_idx', 'date_achat', 'transaction_id'],
  ['cameras', 'cameras_date_heure_keyset_idx', 'date_heure', 'camera_id'],
  ['capteurs_iot', 'capteurs_iot_date_maj_keyset_idx', 'date_maj', 'capteur_id'],
] as const;

/**
 * Date-ordered pages are served by an index on the date alone (then an incremental sort of each
 * date's rows by key), no longer by an index on (date, key): PostgreSQL 18 can skip-scan such an
 * index for `key = $1`, and it did for the foreign-key checks of imports. An ANALYZE that runs
 * while a large load is still uncommitted records 0 rows for a table of many pages; the planner
 * then costs a skip scan of (date, client_id) a hair below the primary key, and every
 * transaction's check of its client walked every date of the index: a 200,000-transaction
 * import took minutes instead of seconds (found by the benchmark; the statistics correct
 * themselves at the next autovacuum, but a running import keeps its plan).
 *
 * A keyset page's condition now also bounds the date alone (record-sql.ts), which this index
 * answers as a range scan; rows of the cursor's own date that precede it are filtered.
 */
export class IndexDatesWithoutTheirKey1795564943000 implements MigrationInterface {
  name = 'IndexDatesWithoutTheirKey1795564943000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    for (const [table, keyset, date] of KEYSET_INDEXES) {
      await queryRunner.query(`DROP INDEX ${keyset}`);
      // transactions_date_achat_idx (1795564801000-CreateRetailTables.ts) already exists.
      await queryRunner.query(
        `CREATE INDEX IF NOT EXISTS ${dateIndexName(table, date)} ON ${table} ((${date}))`,
      );
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const [table, keyset, date, key] of KEYSET_INDEXES) {
      await queryRunner.query(`CREATE INDEX ${keyset} ON ${table} ((${date}), ${key})`);
      if (table !== 'transactions')
        await queryRunner.query(`DROP INDEX ${dateIndexName(table, date)}`);
    }
  }
}

function dateIndexName(table: string, date: string): string {
  const column = /^coalesce\((\w+)/.exec(date)?.[1] ?? date;
  return `${table}_${column}_idx`;
}
