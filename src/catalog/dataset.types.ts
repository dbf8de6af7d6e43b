/**
 * The vocabulary of the dataset catalog. Everything that needs to know the data model
 * (the importer, the read API's validation and OpenAPI, the data generator, the tests)
 * reads it through these types rather than re-declaring columns.
 */

/** Logical column types; `SQL_TYPES` in the catalog (dataset-catalog.ts) maps each to its PostgreSQL type. */
export type ColumnType = 'integer' | 'text' | 'date' | 'timestamp' | 'money';

/** How the `analyst` role sees a column (done by database views, never in TypeScript). */
export type AnalystVisibility = 'clear' | 'hidden' | 'birth-year';

export const DATASET_NAMES = [
  'clients',
  'magasins',
  'produits',
  'cartes_fidelite',
  'transactions',
  'details_transactions',
  'cameras',
  'capteurs_iot',
] as const;

export type DatasetName = (typeof DATASET_NAMES)[number];

export interface ForeignKey {
  dataset: DatasetName;
  column: string;
}

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  required: boolean;
  /** Personal data: stored encrypted (bytea) by the database trigger, never in clear. */
  personal?: boolean;
  /** Only meaningful for personal columns; non-personal columns are always clear. */
  analyst?: AnalystVisibility;
  references?: ForeignKey;
  /** Inclusive lower bound for numeric columns (e.g. quantities cannot be negative). */
  min?: number;
  /** Closed set of accepted values (e.g. `sexe`). */
  allowed?: readonly string[];
  /** Kept for emails: drives the blind index column `<name>_hash`. */
  blindIndex?: boolean;
  /** A shape the value must have beyond its type (see src/catalog/value-rules.ts). */
  shape?: 'email';
  /** Dates only: the span a real value falls in (see plausibleDateRule). */
  plausible?: PlausibleDates;
  description: string;
}

/**
 * Bounds of a plausible date. `notBefore` is a fixed date; `daysAhead` bounds it against today
 * (0: not in the future), a rule of "now" that only a trigger can apply, never a CHECK.
 */
export interface PlausibleDates {
  notBefore?: string;
  daysAhead?: number;
}

export interface DatasetSpec {
  name: DatasetName;
  table: string;
  title: string;
  primaryKey: string;
  /** The column `from`/`to` filters apply to. */
  dateColumn?: string;
  /** Names the seed system exported this dataset under, besides the table name. */
  fileAliases: readonly string[];
  columns: readonly ColumnSpec[];
}

/** View names follow the seed system so its SQL keeps working. */
export const decryptedViewName = (table: string): string => `v_${table}_decrypted`;
export const pseudonymisedViewName = (table: string): string => `v_${table}_pseudonymised`;
/** The rows of a personal dataset's views with their clear columns only: what counts read. */
export const countableViewName = (table: string): string => `v_${table}_countable`;
