/**
 * What each role sees of each dataset's records, declared once and derived from the catalog.
 * This file only *describes* access (for validation, OpenAPI and audit decisions); the database
 * enforces it: each role reads its own view, and its grants refuse every other one.
 */
import type { DatabaseRole } from '../database/role-scoped-transactions';
import { DatasetCatalog, datasetCatalog } from './dataset-catalog';
import { ColumnSpec, ColumnType, DatasetSpec } from './dataset.types';

/** clear: every column decrypted; pseudonymised: the analyst view; none: no record access. */
export type RecordAccess = 'clear' | 'pseudonymised' | 'none';

export const RECORD_ACCESS: Readonly<Record<DatabaseRole, RecordAccess>> = {
  admin: 'clear',
  analyst: 'pseudonymised',
  writer: 'none',
};

/** The column `v_<table>_pseudonymised` shows in place of a birth date. */
export const BIRTH_YEAR_COLUMN = 'annee_naissance';

export interface VisibleColumn {
  name: string;
  type: ColumnType;
  personal: boolean;
  /** Set when the column is a reduction of a catalog column (birth year of date_naissance). */
  derivedFrom?: string;
}

export class RecordVisibility {
  constructor(private readonly catalog: DatasetCatalog = datasetCatalog) {}

  canReadRecords(role: DatabaseRole): boolean {
    return RECORD_ACCESS[role] !== 'none';
  }

  /** Roles that read records at all. */
  readers(): DatabaseRole[] {
    return (Object.keys(RECORD_ACCESS) as DatabaseRole[]).filter((r) => this.canReadRecords(r));
  }

  /** The view the role reads records from, or undefined when it may not read records. */
  viewFor(spec: DatasetSpec, role: DatabaseRole): string | undefined {
    switch (RECORD_ACCESS[role]) {
      case 'clear':
        return this.catalog.decryptedView(spec);
      case 'pseudonymised':
        return this.catalog.analystView(spec);
      case 'none':
        return undefined;
    }
  }

  /** The columns of the role's view, in order; empty when the role reads no records. */
  visibleColumns(spec: DatasetSpec, role: DatabaseRole): VisibleColumn[] {
    const access = RECORD_ACCESS[role];
    if (access === 'none') return [];
    return spec.columns.flatMap((c): VisibleColumn[] => {
      const personal = c.personal ?? false;
      if (access === 'clear' || !personal || c.analyst === 'clear') {
        return [{ name: c.name, type: c.type, personal }];
      }
      if (c.analyst === 'birth-year') {
        return [{ name: BIRTH_YEAR_COLUMN, type: 'integer', personal, derivedFrom: c.name }];
      }
      return [];
    });
  }

  /** A response from this view holds clear personal data, so it must be audited. */
  exposesClearPersonalData(spec: DatasetSpec, role: DatabaseRole): boolean {
    return RECORD_ACCESS[role] === 'clear' && this.catalog.hasPersonalData(spec);
  }

  /** Integer equality filters: the primary key and every foreign key. */
  idFilters(spec: DatasetSpec): ColumnSpec[] {
    return spec.columns.filter((c) => c.name === spec.primaryKey || c.references);
  }

  /**
   * Columns `role` may filter with operators (eq, gt, in, ...): the non-personal columns it
   * sees. Filtering a personal column would decrypt every row to compare it (slow) and, on
   * the pseudonymised view, re-identify people by their generalised attributes; the one
   * exception is the exact blind-index lookup (lookupColumns / mayLookUp).
   */
  filterableColumns(spec: DatasetSpec, role: DatabaseRole): VisibleColumn[] {
    return this.visibleColumns(spec, role).filter((v) => !v.personal);
  }

  /**
   * Columns a listing may be ordered by: the primary key, the foreign keys and the date
   * column, all indexed (foreign keys by their own index, date columns by `(date, key)`, see
   * migration 1795564930000-IndexDateColumnsForKeysetOrder), so a keyset page is an index range.
   */
  orderableColumns(spec: DatasetSpec): ColumnSpec[] {
    return spec.columns.filter(
      (c) => c.name === spec.primaryKey || c.references || c.name === spec.dateColumn,
    );
  }

  /** Blind-indexed columns that can be looked up by value (clients.email). */
  lookupColumns(spec: DatasetSpec): ColumnSpec[] {
    return spec.columns.filter((c) => c.blindIndex);
  }

  /**
   * Looking a record up by a personal value is only for roles that see that value in clear:
   * otherwise the lookup would re-identify a pseudonymised record (an analyst who knows an
   * e-mail address would learn that person's birth year and city).
   */
  mayLookUp(spec: DatasetSpec, role: DatabaseRole, column: ColumnSpec): boolean {
    return this.visibleColumns(spec, role).some((v) => v.name === column.name && !v.derivedFrom);
  }
}

export const recordVisibility = new RecordVisibility();

/** Roles that may call the records endpoints; `@Roles(...RECORD_READERS)` reads this. */
export const RECORD_READERS = (Object.keys(RECORD_ACCESS) as DatabaseRole[]).filter(
  (role) => RECORD_ACCESS[role] !== 'none',
);
