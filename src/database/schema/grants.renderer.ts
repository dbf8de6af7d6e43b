/**
 * Renders every privilege as SQL: revoke everything from every managed grantee, then grant what
 * is declared, object by object, so applying the result gives exactly the declared state
 * whatever the database held before. Retail tables and their views are derived from the catalog
 * and the role-visibility declaration; the rest comes from privilege-declarations.ts.
 */
import type { DatasetCatalog } from '../../catalog/dataset-catalog';
import type { DatasetSpec } from '../../catalog/dataset.types';
import { RECORD_ACCESS, type RecordVisibility } from '../../catalog/record-visibility';
import type { DatabaseRole } from '../../auth/database-role';
import {
  FunctionPrivileges,
  Grantee,
  MANAGED_GRANTEES,
  PGCRYPTO_EXECUTE,
  RelationPrivileges,
  SCHEMA_USAGE,
  SERVICE_FUNCTIONS,
  SERVICE_RELATIONS,
} from './privilege-declarations';
import { ERASED_AT_COLUMN, sqlName } from './sql-names';

/**
 * Who writes the retail tables. admin may correct anything; writer loads files (INSERT, UPDATE
 * for upserts) and reads only what classifying rows needs: keys, clear columns and whether a
 * subject is erased. Never the ciphertext, and never a keyed hash of personal values (digest,
 * blind indexes): writer computes those hashes for any value it likes, so reading stored ones
 * would let it test guesses of low-entropy values (a birth date) until one matches. The import
 * compares digests as admin (src/imports/engine/dataset-merge-sql.ts).
 */
function tablePrivileges(catalog: DatasetCatalog, spec: DatasetSpec): RelationPrivileges {
  const table = sqlName(spec.table);
  if (!catalog.hasPersonalData(spec)) {
    return {
      relation: table,
      grants: {
        admin: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
        writer: ['SELECT', 'INSERT', 'UPDATE'],
      },
    };
  }
  const clearColumns = spec.columns.filter((c) => !c.personal).map((c) => sqlName(c.name));
  return {
    relation: table,
    grants: { admin: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'], writer: ['INSERT', 'UPDATE'] },
    // erased_at: the loader refuses rows of erased subjects.
    columnSelect: { writer: [...clearColumns, ERASED_AT_COLUMN] },
  };
}

/**
 * A role reads the view its access gives it; a clear reader may read every view of a dataset;
 * every reader reads its countable view.
 */
function viewPrivileges(
  catalog: DatasetCatalog,
  visibility: RecordVisibility,
  spec: DatasetSpec,
): RelationPrivileges[] {
  const roles = Object.keys(RECORD_ACCESS) as DatabaseRole[];
  const views = [...new Set([catalog.decryptedView(spec), catalog.analystView(spec)])];
  const countable = catalog.countableView(spec);
  return [
    ...views.map((view) => ({
      relation: sqlName(view),
      grants: Object.fromEntries(
        roles
          .filter((r) => RECORD_ACCESS[r] === 'clear' || visibility.viewFor(spec, r) === view)
          .map((r) => [r, ['SELECT'] as const]),
      ),
    })),
    // Every reader of the dataset's records: it shows only what each of their views shows.
    ...(countable
      ? [
          {
            relation: sqlName(countable),
            grants: Object.fromEntries(
              roles
                .filter((r) => visibility.canReadRecords(r))
                .map((r) => [r, ['SELECT'] as const]),
            ),
          },
        ]
      : []),
  ];
}

export function relationPrivileges(
  catalog: DatasetCatalog,
  visibility: RecordVisibility,
): RelationPrivileges[] {
  return [
    ...catalog
      .all()
      .flatMap((spec) => [
        tablePrivileges(catalog, spec),
        ...viewPrivileges(catalog, visibility, spec),
      ]),
    ...SERVICE_RELATIONS,
  ];
}

/** The rendered trigger functions get no grant: a trigger fires without EXECUTE. */
export function functionPrivileges(triggerFunctions: string[]): FunctionPrivileges[] {
  return [
    ...SERVICE_FUNCTIONS,
    ...triggerFunctions.map((signature) => ({ signature, execute: [] })),
  ];
}

const revokeAll = (object: string) => `REVOKE ALL ON ${object} FROM ${MANAGED_GRANTEES.join(', ')}`;

function relationSql(p: RelationPrivileges): string[] {
  const byPrivileges = new Map<string, Grantee[]>();
  for (const [role, privileges] of Object.entries(p.grants) as [Grantee, string[]][]) {
    const key = privileges.join(', ');
    byPrivileges.set(key, [...(byPrivileges.get(key) ?? []), role]);
  }
  return [
    revokeAll(`TABLE ${p.relation}`),
    ...[...byPrivileges].map(
      ([privs, roles]) => `GRANT ${privs} ON ${p.relation} TO ${roles.join(', ')}`,
    ),
    ...(Object.entries(p.columnSelect ?? {}) as [Grantee, string[]][]).map(
      ([role, columns]) => `GRANT SELECT (${columns.join(', ')}) ON ${p.relation} TO ${role}`,
    ),
  ];
}

function functionSql(p: FunctionPrivileges): string[] {
  return [
    revokeAll(`FUNCTION ${p.signature}`),
    ...(p.execute.length
      ? [`GRANT EXECUTE ON FUNCTION ${p.signature} TO ${p.execute.join(', ')}`]
      : []),
  ];
}

/** pgcrypto's function list depends on its version, so the database enumerates it. */
const pgcryptoSql = (): string => `DO $$
DECLARE
  f regprocedure;
BEGIN
  FOR f IN
    SELECT p.oid::regprocedure
      FROM pg_catalog.pg_proc p
      JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
      JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'pgcrypto'
  LOOP
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM ${MANAGED_GRANTEES.join(', ')}', f);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO ${PGCRYPTO_EXECUTE.join(', ')}', f);
  END LOOP;
END
$$`;

export function renderGrants(
  relations: RelationPrivileges[],
  functions: FunctionPrivileges[],
): string[] {
  return [
    ...Object.entries(SCHEMA_USAGE).flatMap(([schema, roles]) => [
      revokeAll(`SCHEMA ${schema}`),
      `GRANT USAGE ON SCHEMA ${schema} TO ${roles.join(', ')}`,
    ]),
    ...relations.flatMap(relationSql),
    ...functions.flatMap(functionSql),
    pgcryptoSql(),
  ];
}
