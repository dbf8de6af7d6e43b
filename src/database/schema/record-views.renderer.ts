/**
 * Renders the read surfaces of every dataset: `v_<table>_decrypted` (every column in clear,
 * real types) and, for datasets with personal columns, `v_<table>_pseudonymised` (what analysts
 * see). The columns of each view are the role-visibility declaration's, so what the API says a
 * role sees and what the database shows it cannot differ. Views decrypt with the transaction's
 * key (see migrations/1795564803000-CreateDecryptedViews.ts); for a dataset with personal
 * columns, with each row's own data key, unwrapped once per row, and without erased subjects'
 * tombstones (see migrations/1795564920000-EnvelopeEncryption.ts).
 */
import { type DatasetCatalog, SQL_TYPES } from '../../catalog/dataset-catalog';
import type { DatasetName, DatasetSpec } from '../../catalog/dataset.types';
import {
  RECORD_ACCESS,
  type RecordVisibility,
  type VisibleColumn,
} from '../../catalog/record-visibility';
import type { DatabaseRole } from '../../auth/database-role';
import { sqlLiteral } from '../../catalog/value-rules';
import { sqlName } from './sql-names';

export interface RenderedView {
  dataset: DatasetName;
  name: string;
  sql: string;
}

/** Roles that read records, the clear reader first. */
const RECORD_ROLES = (Object.keys(RECORD_ACCESS) as DatabaseRole[]).sort(
  (a, b) => Number(RECORD_ACCESS[b] === 'clear') - Number(RECORD_ACCESS[a] === 'clear'),
);

/** `pk`: the row's client id, which a value's tag covers (1795564970000-BindValuesToTheirClient.ts). */
function columnExpression(column: VisibleColumn, pk?: string): string {
  if (!column.personal) return sqlName(column.name);
  const source = sqlName(column.derivedFrom ?? column.name);
  const clear = `smartretail.open_value(t.${source}, k.value_keys, t.${pk}, ${sqlLiteral(column.derivedFrom ?? column.name)})`;
  if (column.derivedFrom) {
    // The only reduction the catalog knows: a birth date shown as its year.
    return `extract(year FROM ${clear}::date)::integer AS ${sqlName(column.name)}`;
  }
  const cast = column.type === 'text' ? '' : `::${SQL_TYPES[column.type]}`;
  return `${clear}${cast} AS ${sqlName(column.name)}`;
}

/**
 * The value keys (migrations/1795564940000-SealPersonalValues.ts) are unwrapped by a PARALLEL
 * SAFE set-returning function (ROWS 1): once per row, in the parallel workers; a scalar
 * expression would be unwrapped once per column. An erased
 * subject's tombstone has no data key (the trigger refuses one that has), so the inner join
 * leaves tombstones out; a filter on erased_at would do the same but, on a table not analysed
 * yet, its default estimate (0.5% of rows) turns keyset pages into sorts.
 * `+ 0` keeps keyset pages from a merge join: a page's cursor condition (client_id > n) reaches
 * clients only, so a merge join read client_keys from its first key to the page's, every page
 * (paging 200,000 clients read 20 million keys). Joined on an expression of clients' key, the
 * keys are looked up by primary key per row, and whole-table reads still hash-join.
 */
function personalView(spec: DatasetSpec, name: string, columns: VisibleColumn[]): RenderedView {
  const pk = sqlName(spec.primaryKey);
  const select = columns.map((c) =>
    c.personal ? columnExpression(c, pk) : `t.${sqlName(c.name)}`,
  );
  return {
    dataset: spec.name,
    name: sqlName(name),
    sql: `CREATE OR REPLACE VIEW ${sqlName(name)} AS
SELECT ${select.join(',\n       ')}
  FROM ${sqlName(spec.table)} t
  JOIN smartretail.client_keys ck ON ck.client_id = t.${pk} + 0
  CROSS JOIN LATERAL smartretail.unwrapped_value_keys(ck.client_id, ck.wrapped_key, ck.master_key_version) k (value_keys)`,
  };
}

/**
 * The rows the personal views show, with the clear columns only (all of which every reader's
 * view shows too): exact counts filter and count here, opening no value and unwrapping no data
 * key, where count(*) on a personal view unwraps one per row (the lateral function call cannot
 * be left out). The same rows: a tombstone has no data key, so the semi-join leaves it out.
 */
function countableView(spec: DatasetSpec, name: string): RenderedView {
  const pk = sqlName(spec.primaryKey);
  const clear = spec.columns.filter((c) => !c.personal).map((c) => `t.${sqlName(c.name)}`);
  return {
    dataset: spec.name,
    name: sqlName(name),
    sql: `CREATE OR REPLACE VIEW ${sqlName(name)} AS
SELECT ${clear.join(',\n       ')}
  FROM ${sqlName(spec.table)} t
 WHERE EXISTS (SELECT 1 FROM smartretail.client_keys ck WHERE ck.client_id = t.${pk})`,
  };
}

function view(spec: DatasetSpec, name: string, columns: VisibleColumn[]): RenderedView {
  if (columns.some((c) => c.personal)) return personalView(spec, name, columns);
  return {
    dataset: spec.name,
    name: sqlName(name),
    sql: `CREATE OR REPLACE VIEW ${sqlName(name)} AS
SELECT ${columns.map((c) => columnExpression(c)).join(',\n       ')}
  FROM ${sqlName(spec.table)}`,
  };
}

export function renderRecordViews(
  catalog: DatasetCatalog,
  visibility: RecordVisibility,
): RenderedView[] {
  return catalog.all().flatMap((spec) => {
    // One view per distinct view the roles read (analysts read the decrypted view of a dataset
    // without personal data); the clear one first, as it is the base of the read API.
    const byName = new Map<string, RenderedView>();
    for (const role of RECORD_ROLES) {
      const name = visibility.viewFor(spec, role);
      if (name && !byName.has(name))
        byName.set(name, view(spec, name, visibility.visibleColumns(spec, role)));
    }
    const countable = catalog.countableView(spec);
    if (countable) byName.set(countable, countableView(spec, countable));
    return [...byName.values()];
  });
}
