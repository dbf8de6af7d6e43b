/**
 * What the access export holds, derived from the dataset catalog: the client's row, then every
 * dataset that references clients by a foreign key, each row with the rows of the datasets that
 * reference it in turn (transactions with their lines). A dataset added to the catalog with a
 * foreign key into this tree is exported without touching this file.
 *
 * SQL is built from catalog identifiers only; the client id is always a bind parameter.
 */
import { DatasetCatalog } from '../catalog/dataset-catalog';
import { ColumnSpec, DatasetSpec } from '../catalog/dataset.types';
import { ident } from '../database/sql-identifier';

export interface ExportBranch {
  spec: DatasetSpec;
  /** The column of `spec` that references the parent's primary key. */
  foreignKey: string;
  children: ExportBranch[];
}

export interface ClientExportPlan {
  subject: DatasetSpec;
  branches: ExportBranch[];
}

/** Datasets whose rows belong to a row of `parent`, and theirs below them. */
function branchesOf(catalog: DatasetCatalog, parent: DatasetSpec): ExportBranch[] {
  return catalog
    .all()
    .flatMap((spec) =>
      spec.columns
        .filter((c) => c.references?.dataset === parent.name)
        .map((c) => ({ spec, foreignKey: c.name, children: branchesOf(catalog, spec) })),
    );
}

export function clientExportPlan(catalog: DatasetCatalog): ClientExportPlan {
  const subject = catalog.get('clients');
  return { subject, branches: branchesOf(catalog, subject) };
}

/**
 * Dates, timestamps and money as PostgreSQL writes them (2024-02-29, 12.50), as the read API
 * sends them: a JSON number would round money, a JS Date would shift a date by a time zone.
 */
const AS_TEXT = new Set<ColumnSpec['type']>(['date', 'timestamp', 'money']);

/** A JSON key from the catalog, checked like an identifier (never request input). */
const key = (name: string): string => {
  ident(name);
  return `'${name}'`;
};

const columnValue = (alias: string, c: ColumnSpec): string =>
  `${alias}.${ident(c.name)}${AS_TEXT.has(c.type) ? '::text' : ''}`;

/**
 * One row as a JSON object in catalog column order, with its children nested under their
 * dataset names. Aliases are numbered by depth so nested subqueries never shadow each other.
 */
function rowJson(catalog: DatasetCatalog, spec: DatasetSpec, depth: number): string {
  const alias = `r${depth}`;
  const fields = spec.columns.map((c) => `${key(c.name)}, ${columnValue(alias, c)}`);
  for (const child of branchesOf(catalog, spec)) {
    const childAlias = `r${depth + 1}`;
    fields.push(`${key(child.spec.name)}, coalesce((
        SELECT json_agg(${rowJson(catalog, child.spec, depth + 1)}
                        ORDER BY ${childAlias}.${ident(child.spec.primaryKey)})
          FROM ${ident(catalog.decryptedView(child.spec))} ${childAlias}
         WHERE ${childAlias}.${ident(child.foreignKey)} = ${alias}.${ident(spec.primaryKey)}), '[]'::json)`);
  }
  return `json_build_object(${fields.join(', ')})`;
}

/** The client's own row (personal columns decrypted by the admin's view), $1 = client id. */
export function subjectSql(catalog: DatasetCatalog, plan: ClientExportPlan): string {
  const { subject } = plan;
  return `SELECT json_build_object(${subject.columns
    .map((c) => `${key(c.name)}, ${columnValue('r0', c)}`)
    .join(', ')})::text AS json
            FROM ${ident(catalog.decryptedView(subject))} r0
           WHERE r0.${ident(subject.primaryKey)} = $1`;
}

/** One JSON text per row of a top-level branch (with its descendants), in key order; $1 = client id. */
export function branchSql(catalog: DatasetCatalog, branch: ExportBranch): string {
  return `SELECT ${rowJson(catalog, branch.spec, 0)}::text AS json
            FROM ${ident(catalog.decryptedView(branch.spec))} r0
           WHERE r0.${ident(branch.foreignKey)} = $1
           ORDER BY r0.${ident(branch.spec.primaryKey)}`;
}

/**
 * The audit entries about the client (see migrations/1795564910000-IndexAuditByClient.ts),
 * oldest first; $1 = client id. Shaped like GET /audit's entries without `recordIds` and
 * `recordCount`: a page read lists other clients' ids beside this one, and the export holds
 * nothing about anyone else.
 */
export const AUDIT_ENTRIES_SQL = `
  SELECT json_build_object(
           'auditId', audit_id,
           'occurredAt', to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
           'sub', sub,
           'role', role,
           'dataset', dataset,
           'requestId', request_id,
           'correlationId', correlation_id)::text AS json
    FROM audit_log
   WHERE dataset = 'clients' AND record_ids @> ARRAY[$1::integer]
   ORDER BY audit_id`;
