/**
 * The protection layer of the database, rendered from the dataset catalog and the role-visibility
 * declaration: per personal dataset its protection trigger (encryption, validation, blind
 * indexes, digest) and key-check trigger, the decrypted and pseudonymised views of every dataset,
 * and every privilege. Pure: no database. `npm run schema:generate` freezes the result into a
 * reviewed migration; `npm run schema:check` compares a migrated database with it.
 */
import type { DatasetCatalog } from '../../catalog/dataset-catalog';
import type { RecordVisibility } from '../../catalog/record-visibility';
import { functionPrivileges, relationPrivileges, renderGrants } from './grants.renderer';
import type { FunctionPrivileges, RelationPrivileges } from './privilege-declarations';
import { renderProtection, RenderedProtection } from './protection-trigger.renderer';
import { renderRecordViews, RenderedView } from './record-views.renderer';

export type { RenderedProtection } from './protection-trigger.renderer';
export type { RenderedView } from './record-views.renderer';

export interface RenderedSchema {
  /** One per dataset with personal columns, in catalog order. */
  protections: RenderedProtection[];
  views: RenderedView[];
  /** The declared privileges, as data (tests and the check read them). */
  relations: RelationPrivileges[];
  functions: FunctionPrivileges[];
  /** REVOKE ALL / GRANT statements giving exactly `relations` and `functions`. */
  grants: string[];
}

export function renderProtectionLayer(
  catalog: DatasetCatalog,
  visibility: RecordVisibility,
): RenderedSchema {
  const protections = catalog
    .all()
    .filter((spec) => catalog.hasPersonalData(spec))
    .map((spec) => renderProtection(catalog, spec));
  const relations = relationPrivileges(catalog, visibility);
  const functions = functionPrivileges(protections.map((p) => p.functionSignature));
  return {
    protections,
    views: renderRecordViews(catalog, visibility),
    relations,
    functions,
    grants: renderGrants(relations, functions),
  };
}

/** Every statement, in the order a migration runs them (columns, triggers, views, grants). */
export function schemaStatements(schema: RenderedSchema): string[] {
  return [
    ...schema.protections.flatMap((p) => [
      ...p.supportColumns,
      p.functionSql,
      p.triggerSql,
      p.keyCheckTriggerSql,
    ]),
    ...schema.views.map((v) => v.sql),
    ...schema.grants,
  ];
}
