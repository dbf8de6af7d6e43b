/**
 * What a database holds of the protection layer, read from PostgreSQL's catalog in PostgreSQL's
 * own normal form (pg_get_functiondef, pg_get_viewdef, pg_get_triggerdef, exploded ACLs), so two
 * snapshots compare line by line whatever the spacing of the SQL that made them.
 * Names are printed with search_path = pg_catalog: fully qualified, the same in every session.
 */
import type { ClientBase } from 'pg';

export interface SchemaSnapshot {
  /** `function smartretail.protect_clients()` -> its definition; views and triggers likewise. */
  definitions: Map<string, string>;
  /** One line per privilege: `table public.clients: writer SELECT (column pii_digest)`. */
  privileges: Set<string>;
  /** Relations (`public.clients`) and functions (`smartretail.seal(bytea,...)`) of our schemas. */
  relations: string[];
  functions: string[];
}

const SCHEMAS = `('public', 'smartretail')`;
const GRANTEE = `CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END`;
const GRANT = `${GRANTEE} || ' ' || a.privilege_type || CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END`;
/** Functions an extension (pgcrypto) brought: their definitions are not ours. */
const NOT_EXTENSION = `NOT EXISTS (SELECT 1 FROM pg_depend d
  WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')`;

const DEFINITIONS = `
  SELECT 'function ' || p.oid::regprocedure AS name, pg_get_functiondef(p.oid) AS definition
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
   WHERE n.nspname IN ${SCHEMAS} AND p.prokind IN ('f', 'p') AND ${NOT_EXTENSION}
  UNION ALL
  SELECT 'view ' || c.oid::regclass, pg_get_viewdef(c.oid, true)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname IN ${SCHEMAS} AND c.relkind IN ('v', 'm')
  UNION ALL
  SELECT 'trigger ' || t.tgname || ' on ' || t.tgrelid::regclass, pg_get_triggerdef(t.oid, true)
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname IN ${SCHEMAS} AND NOT t.tgisinternal`;

const PRIVILEGES = `
  SELECT CASE c.relkind WHEN 'v' THEN 'view ' WHEN 'S' THEN 'sequence ' ELSE 'table ' END
         || c.oid::regclass || ': ' || ${GRANT} AS line
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   CROSS JOIN LATERAL aclexplode(coalesce(c.relacl,
         acldefault((CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END)::"char", c.relowner))) a
   WHERE n.nspname IN ${SCHEMAS} AND a.grantee <> c.relowner
  UNION ALL
  SELECT 'table ' || c.oid::regclass || ': ' || ${GRANT} || ' (column ' || quote_ident(t.attname) || ')'
    FROM pg_attribute t JOIN pg_class c ON c.oid = t.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
   CROSS JOIN LATERAL aclexplode(t.attacl) a
   WHERE n.nspname IN ${SCHEMAS} AND t.attnum > 0 AND NOT t.attisdropped
  UNION ALL
  SELECT 'function ' || p.oid::regprocedure || ': ' || ${GRANT}
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
   CROSS JOIN LATERAL aclexplode(coalesce(p.proacl, acldefault('f'::"char", p.proowner))) a
   WHERE n.nspname IN ${SCHEMAS} AND a.grantee <> p.proowner
  UNION ALL
  SELECT 'schema ' || quote_ident(n.nspname) || ': ' || ${GRANT}
    FROM pg_namespace n
   CROSS JOIN LATERAL aclexplode(coalesce(n.nspacl, acldefault('n'::"char", n.nspowner))) a
   WHERE n.nspname IN ${SCHEMAS} AND a.grantee <> n.nspowner`;

const RELATIONS = `
  SELECT c.oid::regclass::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname IN ${SCHEMAS} AND c.relkind IN ('r', 'v', 'm', 'p', 'f') ORDER BY 1`;

const FUNCTIONS = `
  SELECT p.oid::regprocedure::text AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
   WHERE n.nspname IN ${SCHEMAS} AND ${NOT_EXTENSION} ORDER BY 1`;

/** Reads a snapshot inside the caller's transaction (its search_path is set locally). */
export async function takeSnapshot(client: ClientBase): Promise<SchemaSnapshot> {
  await client.query(`SELECT set_config('search_path', 'pg_catalog', true)`);
  const definitions = await client.query<{ name: string; definition: string }>(DEFINITIONS);
  const privileges = await client.query<{ line: string }>(PRIVILEGES);
  const relations = await client.query<{ name: string }>(RELATIONS);
  const functions = await client.query<{ name: string }>(FUNCTIONS);
  return {
    definitions: new Map(definitions.rows.map((r) => [r.name, r.definition])),
    privileges: new Set(privileges.rows.map((r) => r.line)),
    relations: relations.rows.map((r) => r.name),
    functions: functions.rows.map((r) => r.name),
  };
}
