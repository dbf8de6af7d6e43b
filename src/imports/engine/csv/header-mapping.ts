/**
 * Maps a file's header to catalog columns by name: order-free, ignoring case, accents, a BOM,
 * surrounding spaces and separators, so `Client ID`, `client_id` and `CLIENT-ID` all match.
 *
 * A first line that names no column of the dataset is not a header (a file without its header
 * line starts with data): it is refused without repeating its cells, which for clients would be
 * a name, an e-mail address and a birth date. For the same reason the unknown cells of a
 * personal dataset's header are never repeated, only counted and placed: a header that lost its
 * line break holds the first row's values (`...,date_inscription,Zqnom,zq@example.com`).
 */
import { datasetCatalog } from '../../../catalog/dataset-catalog';
import type { DatasetSpec } from '../../../catalog/dataset.types';
import { invalidInput } from '../../../common/domain-error';
import { shownText } from './shown-text';

/** Unknown header cells named in a warning, at most. */
const MAX_NAMED_UNKNOWN = 20;

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
  /** Header cells that match no catalog column (ignored), and their 0-based positions. */
  unknown: { name: string; index: number }[];
}

const columnNames = (spec: DatasetSpec) => spec.columns.map((c) => c.name).join(', ');

/** Catalog column name → index in the header, for the cells that name one. */
function positionsIn(spec: DatasetSpec, header: string[]): Map<string, number> {
  const known = new Map(spec.columns.map((c) => [normaliseName(c.name), c.name]));
  const positions = new Map<string, number>();
  header.forEach((cell, index) => {
    const name = known.get(normaliseName(cell));
    if (!name) return;
    const first = positions.get(name);
    // Which of the two is meant cannot be known: taking either would load the wrong data.
    if (first !== undefined) {
      throw invalidInput(
        `${spec.name}: the header names column ${name} twice (columns ${first + 1} and ${index + 1}); ambiguous, nothing was imported`,
      );
    }
    positions.set(name, index);
  });
  return positions;
}

/** Another dataset whose required columns this header all has: the file went to the wrong place. */
function otherDatasetOf(spec: DatasetSpec, header: string[]): DatasetSpec | undefined {
  const names = new Set(header.map(normaliseName));
  return datasetCatalog
    .all()
    .find(
      (other) =>
        other.name !== spec.name &&
        other.columns.filter((c) => c.required).every((c) => names.has(normaliseName(c.name))),
    );
}

/** The header cells to show in a message: for a personal dataset only the cells it recognises. */
function foundList(spec: DatasetSpec, header: string[], positions: Map<string, number>): string {
  const recognised = new Set(positions.values());
  const cells = header.map((h) => h.trim()).filter((h) => h !== '');
  if (!cells.length) return '(nothing)';
  if (!datasetCatalog.hasPersonalData(spec)) return cells.map((h) => shownText(h, 60)).join(', ');
  const named = header.filter((_, i) => recognised.has(i)).map((h) => shownText(h.trim(), 60));
  const others = cells.length - named.length;
  return [...named, ...(others ? [`${others} other column(s)`] : [])].join(', ');
}

export function mapHeader(spec: DatasetSpec, header: string[]): HeaderMapping {
  const positions = positionsIn(spec, header);
  const missing = spec.columns
    .filter((c) => c.required && !positions.has(c.name))
    .map((c) => c.name);
  if (missing.length) {
    const other = otherDatasetOf(spec, header);
    if (other) {
      throw invalidInput(
        `${spec.name}: this looks like a ${other.name} file (its header has the ${other.name} columns), not a ${spec.name} file; expected columns ${columnNames(spec)}`,
      );
    }
    if (!positions.size) {
      throw invalidInput(
        `${spec.name}: the first line is not a header: expected columns ${columnNames(spec)} (it names none of them; is the header line missing?)`,
      );
    }
    throw invalidInput(
      `${spec.name}: missing required column(s): ${missing.join(', ')}; found: ${foundList(spec, header, positions)}`,
    );
  }
  const mapped = new Set(positions.values());
  // A trailing delimiter (common in spreadsheet exports) leaves a nameless, ignorable column.
  const unknown = header
    .map((cell, index) => ({ name: cell, index }))
    .filter(({ name, index }) => !mapped.has(index) && name.trim() !== '');
  return { indexes: spec.columns.map((c) => positions.get(c.name) ?? -1), unknown };
}

/** How an ignored header cell is named in a rejection: itself, or its position when personal. */
export function ignoredColumnName(spec: DatasetSpec, cell: string, index: number): string {
  return datasetCatalog.hasPersonalData(spec)
    ? `ignored column ${index + 1}`
    : shownText(cell.trim(), 60);
}

/** The warning about ignored header cells; a 10,000-column file does not get 10,000 names. */
export function unknownColumnsWarning(
  spec: DatasetSpec,
  unknown: HeaderMapping['unknown'],
): string[] {
  if (!unknown.length) return [];
  const more = unknown.length - MAX_NAMED_UNKNOWN;
  const rest = more > 0 ? ` and ${more} more` : '';
  const shown = unknown.slice(0, MAX_NAMED_UNKNOWN);
  if (datasetCatalog.hasPersonalData(spec)) {
    const places = shown.map(({ index }) => index + 1).join(', ');
    return [
      `unknown column(s) ignored at position(s) ${places}${rest} (not named: the dataset holds personal data)`,
    ];
  }
  const named = shown.map(({ name }) => shownText(name.trim(), 60)).join(', ');
  return [`unknown column(s) ignored: ${named}${rest}`];
}
