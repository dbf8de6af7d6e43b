/**
 * Stored values that fail their integrity check: a sealed value or a wrapped data key altered on
 * disk, by hand or by a bad restore. PostgreSQL raises SQLSTATE 39000 ("Wrong key or corrupt
 * data", migrations/1795564940000-SealPersonalValues.ts) when a value does not open; which row
 * and column it was is found by smartretail.unopenable_values
 * (migrations/1795564985000-FindUnopenableValues.ts), which opens values through the views and
 * so does not depend on the stored format. Shared by the read paths and `npm run keys:verify`.
 */
import type { ClientBase } from 'pg';
import type { DatasetSpec } from '../catalog/dataset.types';
import type { VisibleColumn } from '../catalog/record-visibility';

export const UNOPENABLE_SQLSTATE = '39000';

/** What a caller is told; the log says which row and column, never the value. */
export const INTEGRITY_FAILURE_MESSAGE = 'stored data failed its integrity check';

/** True for a value that did not open, wherever in the wrapping (TypeORM's driverError, cause). */
export function isUnopenableValue(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 5; depth++) {
    if ((e as { code?: unknown }).code === UNOPENABLE_SQLSTATE) return true;
    e = (e as { driverError?: unknown }).driverError ?? (e as { cause?: unknown }).cause;
  }
  return false;
}

/** One row with values that do not open. */
export interface UnopenableRow {
  key: number;
  /** The stored columns whose value does not open (a derived column names its source). */
  columns: string[];
  /** How many of the row's other values opened: none suggests its data key is damaged. */
  opened: number;
}

/** Where to look: a view the transaction's role may read, and the columns to open. */
export interface IntegritySource {
  spec: DatasetSpec;
  view: string;
  columns: readonly VisibleColumn[];
}

/** The rows among `keys` whose values do not open, in the transaction's role and keys. */
export async function findUnopenableRows(
  client: ClientBase,
  source: IntegritySource,
  keys: readonly number[],
): Promise<UnopenableRow[]> {
  const personal = source.columns.filter((c) => c.personal);
  if (!personal.length || !keys.length) return [];
  const stored = new Map(personal.map((c) => [c.name, c.derivedFrom ?? c.name]));
  const { rows } = await client.query<{ row_key: number; unopenable: string[]; opened: number }>(
    `SELECT row_key, unopenable, opened
       FROM smartretail.unopenable_values($1, $2, $3::text[], $4::integer[])
      ORDER BY row_key`,
    [source.view, source.spec.primaryKey, [...stored.keys()], keys],
  );
  return rows.map((r) => ({
    key: r.row_key,
    columns: r.unopenable.map((name) => stored.get(name) ?? name),
    opened: r.opened,
  }));
}

/** One line per row, for logs and keys:verify: dataset, key and columns, never a value. */
export function describeUnopenableRow(spec: DatasetSpec, row: UnopenableRow): string {
  const where = `${spec.name} ${spec.primaryKey}=${row.key}`;
  if (row.opened === 0)
    return `${where}: no value of this row opens (${row.columns.join(', ')}): its wrapped data key (smartretail.client_keys.wrapped_key) is likely damaged`;
  const label = row.columns.length > 1 ? 'columns' : 'column';
  return `${where} ${label} ${row.columns.join(', ')}: does not open`;
}
