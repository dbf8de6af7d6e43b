/**
 * Maps a file's header to catalog columns by name: order-free, ignoring case, accents, a BOM,
 * surrounding spaces and separators, so `Client ID`, `client_id` and `CLIENT-ID` all match.
 */
import type { DatasetSpec } from '../../catalog/dataset.types';
import { invalidInput } from '../../common/domain-error';

/**
 * The comparable form of a column or file name: `Détails des Transactions`, `details_des_transactions`
 * and `DETAILS-DES-TRANSACTIONS` all become `detailsdestransactions`. Also used to match file names.
 */
export function normaliseName(name: string): string {
  return name
    .replace(/^\uFEFF/, '')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');
}

export interface HeaderMapping {
  /** For each catalog column (catalog order), its index in the record, or -1 when absent. */
  indexes: number[];
  /** Header cells that match no catalog column (ignored). */
  unknown: string[];
}

export function mapHeader(spec: DatasetSpec, header: string[]): HeaderMapping {
  const positions = new Map<string, number>();
  const unknown: string[] = [];
  const known = new Map(spec.columns.map((c) => [normaliseName(c.name), c.name]));
  header.forEach((cell, index) => {
    const name = known.get(normaliseName(cell));
    if (name && !positions.has(name)) positions.set(name, index);
    else unknown.push(cell.trim());
  });
  const missing = spec.columns
    .filter((c) => c.required && !positions.has(c.name))
    .map((c) => c.name);
  if (missing.length) {
    throw invalidInput(
      `${spec.name}: missing required column(s): ${missing.join(', ')}; found: ${header.map((h) => h.trim()).join(', ') || '(nothing)'}`,
    );
  }
  return { indexes: spec.columns.map((c) => positions.get(c.name) ?? -1), unknown };
}
