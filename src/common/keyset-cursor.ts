/**
 * Opaque keyset cursors: base64url of `<scope>:<last primary key>`. Not secret (the key is in the
 * page already) but strictly validated, so a forged or foreign cursor is a 400, never SQL. The key
 * must fit its column's type: a key beyond it would be a 500 from PostgreSQL, not a page.
 */
import { INTEGER_RANGES, IntegerType, parseBoundedInteger } from './query/query-rules';

export function encodeCursor(scope: string, lastKey: number): string {
  return Buffer.from(`${scope}:${lastKey}`, 'utf8').toString('base64url');
}

/** The key a cursor carries, or undefined when it is not a cursor of this listing. */
export function decodeCursor(
  scope: string,
  cursor: unknown,
  keyType: IntegerType,
): number | undefined {
  if (typeof cursor !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) return undefined;
  const match = /^([a-z_]+):([1-9]\d*)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match || match[1] !== scope) return undefined;
  return parseBoundedInteger(match[2], { min: 1, max: INTEGER_RANGES[keyType].max });
}
