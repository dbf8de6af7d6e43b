/**
 * The set-based SQL of one file's load, generated from the dataset catalog: a typed TEMP staging
 * table, the foreign-key anti-join, then one UPDATE ... FROM for changed rows and one
 * INSERT ... SELECT for new ones. Identifiers come from the catalog (never from a file), and
 * every value travels as a bind parameter or through COPY.
 */
import { datasetCatalog, SQL_TYPES } from '../../catalog/dataset-catalog';
import type { ColumnSpec, DatasetSpec } from '../../catalog/dataset.types';

export const STAGING_TABLE = 'import_staging';

/** Personal columns stay text in staging: the trigger receives them as plaintext bytes. */
const stagingType = (c: ColumnSpec): string => (c.personal ? 'text' : SQL_TYPES[c.type]);

export function createStagingSql(spec: DatasetSpec): string {
  const columns = spec.columns.map((c) => `${c.name} ${stagingType(c)}`).join(', ');
  // ON COMMIT DROP: the staging table lives exactly as long as the file's transaction.
  return `CREATE TEMP TABLE ${STAGING_TABLE} (line integer NOT NULL, reject_column text, reject_reason text, reject_value text, reject_shape text, ${columns}) ON COMMIT DROP`;
}

export const copyStagingSql = `COPY ${STAGING_TABLE} FROM STDIN`;

/** Rows refused while parsing go to the run's rejections, then out of staging. */
export const moveParseRejectionsSql = {
  record: `INSERT INTO import_rejections (run_id, line, column_name, reason, value, value_shape)
   SELECT $1, line, reject_column, reject_reason, reject_value, reject_shape FROM ${STAGING_TABLE}
   WHERE reject_reason IS NOT NULL`,
  drop: `DELETE FROM ${STAGING_TABLE} WHERE reject_reason IS NOT NULL`,
};

export function duplicateKeysSql(spec: DatasetSpec): string {
  return `SELECT ${spec.primaryKey}::text AS key, array_agg(line ORDER BY line) AS lines
          FROM ${STAGING_TABLE} GROUP BY ${spec.primaryKey} HAVING count(*) > 1 ORDER BY min(line)`;
}

/** Later line wins: every earlier line of a repeated key is recorded as superseded. */
export function supersedeDuplicatesSql(spec: DatasetSpec): string {
  const pk = spec.primaryKey;
  return `WITH ranked AS (
            SELECT line, ${pk}, max(line) OVER (PARTITION BY ${pk}) AS winner FROM ${STAGING_TABLE}
          ), gone AS (
            DELETE FROM ${STAGING_TABLE} s USING ranked r
            WHERE s.line = r.line AND r.line < r.winner
            RETURNING s.line, r.winner
          )
          INSERT INTO import_rejections (run_id, line, column_name, reason, value)
          SELECT $1, line, '${pk}', 'superseded by line ' || winner || ' (same ${pk})', NULL FROM gone`;
}

const foreignKeys = (spec: DatasetSpec) => spec.columns.filter((c) => c.references);

/** One anti-join pass for every foreign key of the dataset; the first missing parent is reported. */
export function rejectOrphansSql(spec: DatasetSpec): string | null {
  const fks = foreignKeys(spec);
  if (!fks.length) return null;
  const missing = (c: ColumnSpec) => {
    const parent = datasetCatalog.get(c.references!.dataset);
    return `NOT EXISTS (SELECT 1 FROM ${parent.table} p WHERE p.${parent.primaryKey} = s.${c.name})`;
  };
  const cases = fks
    .map(
      (c) =>
        `WHEN ${missing(c)} THEN ARRAY['${c.name}', 'no ${c.references!.dataset} row with ${c.name} = ' || s.${c.name}, s.${c.name}::text]`,
    )
    .join(' ');
  return `WITH gone AS (
            DELETE FROM ${STAGING_TABLE} s WHERE ${fks.map(missing).join(' OR ')}
            RETURNING s.line, CASE ${cases} END AS why
          )
          INSERT INTO import_rejections (run_id, line, column_name, reason, value)
          SELECT $1, line, why[1], why[2], why[3] FROM gone`;
}

const hasPersonalData = (spec: DatasetSpec) => spec.columns.some((c) => c.personal);

/** The reason an erased subject's row is refused; imports report it like any rejection. */
export const ERASED_SUBJECT = 'erased subject';

/**
 * Rows of erased subjects (tombstones, see EnvelopeEncryption) are refused, so a file that
 * still holds an erased person cannot bring them back; an admin's reinstatement skips this and
 * authorises them instead (reinstateErasedSubjectsSql).
 */
export function rejectErasedSubjectsSql(spec: DatasetSpec): string | null {
  if (!hasPersonalData(spec)) return null;
  const pk = spec.primaryKey;
  return `WITH gone AS (
            DELETE FROM ${STAGING_TABLE} s USING ${spec.table} t
            WHERE t.${pk} = s.${pk} AND t.erased_at IS NOT NULL
            RETURNING s.line, s.${pk}
          )
          INSERT INTO import_rejections (run_id, line, column_name, reason, value)
          SELECT $1, line, '${pk}', '${ERASED_SUBJECT}', ${pk}::text FROM gone`;
}

/**
 * An admin's reinstatement through an import: the staged erased subjects, read as writer (who
 * owns the staging table), then authorised by smartretail.reinstate_clients as admin, audited,
 * for this transaction (1795564960000-EnforceErasureInDatabase.ts). The database refuses their
 * keys and their rows otherwise, whoever runs the merge.
 */
export function reinstateErasedSubjectsSql(
  spec: DatasetSpec,
): { find: string; authorise: string } | null {
  if (!hasPersonalData(spec)) return null;
  const pk = spec.primaryKey;
  return {
    find: `SELECT coalesce(array_agg(s.${pk} ORDER BY s.${pk}), '{}') AS ids
             FROM ${STAGING_TABLE} s JOIN ${spec.table} t ON t.${pk} = s.${pk}
            WHERE t.erased_at IS NOT NULL`,
    authorise: `SELECT smartretail.reinstate_clients($1::integer[], $2::uuid, $3)`,
  };
}

/**
 * Data keys for the staged subjects that have none (new ones, reinstated ones), in one
 * set-based statement. The trigger would create them too, but one row at a time from PL/pgSQL:
 * measured +30% on a 20,000-client insert, against none when they exist beforehand.
 */
export function createDataKeysSql(spec: DatasetSpec): string[] | null {
  if (!hasPersonalData(spec)) return null;
  const pk = spec.primaryKey;
  return [
    missingKeysSql(KEYLESS_TABLE, spec.primaryKey, 'smartretail.client_keys', 'client_id'),
    `INSERT INTO smartretail.client_keys (client_id, wrapped_key, master_key_version)
     SELECT ${pk}, smartretail.wrap_data_key(${pk}, public.gen_random_bytes(32)),
            smartretail.encryption_key_version()
       FROM ${KEYLESS_TABLE}`,
  ];
}

const KEYLESS_TABLE = 'import_keyless';
const NEW_KEYS_TABLE = 'import_new_keys';

/**
 * The staged keys `table` does not hold yet, into a TEMP table of their own, before anything is
 * inserted. Not inside the INSERT: when `table` looks empty to the planner (emptied, then
 * analysed), it picks a nested loop that scans `table` once per staged row, and each scan reads
 * the rows the INSERT has added so far, so a load becomes quadratic (found by the benchmark:
 * 200,000 clients into an emptied table ran past 20 minutes). Here nothing is being inserted
 * while the anti-join runs, so whatever plan it gets stays linear.
 */
function missingKeysSql(into: string, stagedKey: string, table: string, key: string): string {
  return `CREATE TEMP TABLE ${into} ON COMMIT DROP AS
          SELECT s.${stagedKey} FROM ${STAGING_TABLE} s
           WHERE NOT EXISTS (SELECT 1 FROM ${table} t WHERE t.${key} = s.${stagedKey})`;
}

const staged = (c: ColumnSpec) => (c.personal ? `convert_to(s.${c.name}, 'UTF8')` : `s.${c.name}`);

/**
 * True when no staged key can already be in the target: the target is empty, or every staged key
 * lies above its largest (a first load, or a file of new lines appended after the last ones).
 * Then the new-key search and the semi-join of insertNewRowsSql are pure cost: on 2,000,000
 * transaction lines they took about an eighth of the import (see README, "Benchmark"), and the
 * primary key refuses any row that races in anyway. max() walks the primary key's index from its
 * end and min() reads staging once, whatever the statistics say, so no plan can turn quadratic.
 */
export function allKeysNewSql(spec: DatasetSpec): string {
  const pk = spec.primaryKey;
  return `SELECT coalesce((SELECT max(${pk}) FROM ${spec.table}) < (SELECT min(${pk}) FROM ${STAGING_TABLE}), true) AS all_new`;
}

/** Every staged row, when allKeysNewSql says none exists yet: reads staging alone. */
export function insertAllStagedSql(spec: DatasetSpec): string {
  const names = spec.columns.map((c) => c.name).join(', ');
  return `INSERT INTO ${spec.table} (${names})
     SELECT ${spec.columns.map(staged).join(', ')} FROM ${STAGING_TABLE} s`;
}

/** Two statements: the new keys (see missingKeysSql), then the insert of their rows. */
export function insertNewRowsSql(spec: DatasetSpec): string[] {
  const pk = spec.primaryKey;
  return [
    missingKeysSql(NEW_KEYS_TABLE, pk, spec.table, pk),
    `${insertAllStagedSql(spec)}
      WHERE s.${pk} IN (SELECT ${pk} FROM ${NEW_KEYS_TABLE})`,
  ];
}

/**
 * UPDATE statements for changed rows of a table without personal columns, or for the clear
 * columns of one with: they compare clear columns directly, as writer.
 */
export function updateChangedRowsSql(spec: DatasetSpec): string[] {
  const pk = spec.primaryKey;
  const plain = spec.columns.filter((c) => !c.personal && c.name !== pk);
  if (!plain.length) return [];
  const plainDiffers = `(${plain.map((c) => `t.${c.name}`).join(', ')}) IS DISTINCT FROM (${plain.map((c) => `s.${c.name}`).join(', ')})`;
  return [
    `UPDATE ${spec.table} t SET ${plain.map((c) => `${c.name} = s.${c.name}`).join(', ')} FROM ${STAGING_TABLE} s
     WHERE t.${pk} = s.${pk} AND ${plainDiffers}`,
  ];
}

/**
 * Rows whose personal data changed, for a table with personal columns. The stored ciphertext
 * cannot be compared: the keyed digest of the staged clear values is compared with the stored
 * `pii_digest`, so only rows whose personal data really changed get new plaintext, which the
 * trigger encrypts once; the others keep their seals untouched (no crypto, no write).
 *
 * Run as admin, after `shareStagingSql`: writer may not read `pii_digest`. Writer computes the
 * digest of any values it likes, so a writer who could compare it with the stored one (reading
 * it, or through anything that answers whether it matched, a row count included) could test
 * guesses of a low-entropy value such as a birth date until one matched. admin reads the clear
 * values anyway, so comparing as admin teaches nobody anything new; the import's counts are
 * reported only once its transaction commits, and a wrong guess committed has overwritten what
 * it guessed at.
 */
export function updateChangedPersonalRowsSql(spec: DatasetSpec): string | null {
  const pk = spec.primaryKey;
  const personal = spec.columns.filter((c) => c.personal);
  if (!personal.length) return null;
  const plain = spec.columns.filter((c) => !c.personal && c.name !== pk);
  // Same array, same order and same clear text (dates as YYYY-MM-DD) as the trigger digests.
  const digest = `smartretail.pii_digest(ARRAY[${personal.map((c) => `s.${c.name}`).join(', ')}]::text[])`;
  const set = [
    ...personal.map((c) => `${c.name} = ${staged(c)}`),
    // Reinstates a tombstone; the trigger refuses it unless reinstate_clients authorised it.
    'erased_at = NULL',
    ...plain.map((c) => `${c.name} = s.${c.name}`),
  ];
  return `UPDATE ${spec.table} t SET ${set.join(', ')}
     FROM ${STAGING_TABLE} s
     WHERE t.${pk} = s.${pk} AND t.pii_digest IS DISTINCT FROM ${digest}`;
}

/** Lets admin read this transaction's staging table (a TEMP table is its creator's, writer's). */
export const shareStagingSql = `GRANT SELECT ON ${STAGING_TABLE} TO admin`;
