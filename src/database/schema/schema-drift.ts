/**
 * Compares a migrated database with the rendered protection layer and says, readably, where they
 * differ. PostgreSQL normalises both sides: inside one transaction the database is read, the
 * rendered SQL applied (CREATE OR REPLACE, revoke-all then grant), read again, and everything
 * rolled back. Whatever the second reading changed is drift.
 */
import type { ClientBase } from 'pg';
import type { RenderedSchema } from './protection-layer';
import { schemaStatements } from './protection-layer';
import { SchemaSnapshot, takeSnapshot } from './schema-snapshot';
import { lineDiff } from './line-diff';

export interface SchemaDrift {
  /** Empty when the database is exactly what the catalog renders. */
  problems: string[];
}

const qualified = (relation: string) => (relation.includes('.') ? relation : `public.${relation}`);

/** Objects of our schemas that no declaration names: their privileges would go unchecked. */
function undeclared(live: SchemaSnapshot, schema: RenderedSchema): string[] {
  const relations = new Set(schema.relations.map((r) => qualified(r.relation)));
  const functions = new Set(schema.functions.map((f) => f.signature));
  return [
    ...live.relations.filter((r) => !relations.has(r)).map((r) => `relation ${r}`),
    ...live.functions.filter((f) => !functions.has(f)).map((f) => `function ${f}`),
  ];
}

export function describeDrift(
  live: SchemaSnapshot,
  rendered: SchemaSnapshot,
  schema: RenderedSchema,
): string[] {
  const problems: string[] = [];
  const names = [...new Set([...live.definitions.keys(), ...rendered.definitions.keys()])].sort();
  for (const name of names) {
    const [was, is] = [live.definitions.get(name), rendered.definitions.get(name)];
    if (was === is) continue;
    if (was === undefined) problems.push(`${name}: missing from the database`);
    else if (is === undefined) problems.push(`${name}: in the database, not rendered`);
    else problems.push(`${name} differs (- database, + rendered):\n${lineDiff(was, is)}`);
  }
  const extra = [...live.privileges].filter((p) => !rendered.privileges.has(p)).sort();
  const missing = [...rendered.privileges].filter((p) => !live.privileges.has(p)).sort();
  if (extra.length)
    problems.push(
      `privileges the database grants but the catalog does not:\n${extra.map((p) => `  - ${p}`).join('\n')}`,
    );
  if (missing.length)
    problems.push(
      `privileges the catalog grants but the database does not:\n${missing.map((p) => `  + ${p}`).join('\n')}`,
    );
  const unknown = undeclared(live, schema);
  if (unknown.length)
    problems.push(
      `objects no declaration names (src/catalog/ or src/database/schema/privilege-declarations.ts):\n${unknown.map((o) => `  ! ${o}`).join('\n')}`,
    );
  return problems;
}

/** Runs in its own transaction on `client`, always rolled back. */
export async function findSchemaDrift(
  client: ClientBase,
  schema: RenderedSchema,
): Promise<SchemaDrift> {
  await client.query('BEGIN');
  try {
    const live = await takeSnapshot(client);
    // The rendered SQL names tables unqualified, as migrations run it.
    await client.query(`SELECT set_config('search_path', 'public', true)`);
    for (const statement of schemaStatements(schema)) await client.query(statement);
    const rendered = await takeSnapshot(client);
    return { problems: describeDrift(live, rendered, schema) };
  } finally {
    await client.query('ROLLBACK');
  }
}

export function driftReport(drift: SchemaDrift): string {
  if (!drift.problems.length) return 'the database is what the catalog renders';
  return [
    `the database differs from what the catalog renders (${drift.problems.length} problem(s)):`,
    ...drift.problems,
    'Fix the catalog or the declarations, then `npm run schema:generate -- <Name>` for a migration.',
  ].join('\n\n');
}
