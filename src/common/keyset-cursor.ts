/**
 * Opaque keyset cursors: base64url of `<scope>:<last primary key>` for a listing in primary-key
 * order, and `<scope>:<column>.<asc|desc>:<last primary key>[:<last order key>]` for a listing
 * in another order (the order key is absent when the order is the primary key's). Not secret
 * (the keys are in the page already) but strictly validated, so a forged or foreign cursor is a
 * 400, never SQL. Keys must fit their column's type: a key beyond it would be a 500 from
 * PostgreSQL, not a page.
 */
import { INTEGER_RANGES, IntegerType, parseBoundedInteger } from './query/query-rules';

export function encodeCursor(scope: string, lastKey: number): string {
  return Buffer.from(`${scope}:${lastKey}`, 'utf8').toString('base64url');
}

/** Where a page in some order ended: its last row's primary key and order key. */
export interface KeysetPosition {
  id: number;
  /** The order column's value as text; absent when the order is the primary key. */
  key?: string;
}

export interface CursorOrder {
  /** `<column>.<asc|desc>`; undefined for the default order (primary key ascending). */
  label?: string;
  /** Whether `key` is a value of the order column; undefined when it is the primary key. */
  isKey?: (key: string) => boolean;
}

export function encodeOrderedCursor(
  scope: string,
  order: CursorOrder,
  position: KeysetPosition,
): string {
  if (!order.label) return encodeCursor(scope, position.id);
  const key = position.key === undefined ? '' : `:${position.key}`;
  return Buffer.from(`${scope}:${order.label}:${position.id}${key}`, 'utf8').toString('base64url');
}

function readCursor(cursor: unknown): string | undefined {
  if (typeof cursor !== 'string' || !/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) return undefined;
  return Buffer.from(cursor, 'base64url').toString('utf8');
}

/** The key a cursor carries, or undefined when it is not a cursor of this listing. */
export function decodeCursor(
  scope: string,
  cursor: unknown,
  keyType: IntegerType,
): number | undefined {
  const text = readCursor(cursor);
  const match = text === undefined ? null : /^([a-z_]+):([1-9]\d*)$/.exec(text);
  if (!match || match[1] !== scope) return undefined;
  return parseBoundedInteger(match[2], { min: 1, max: INTEGER_RANGES[keyType].max });
}

/**
 * The position a cursor of `scope` in `order` carries; `otherOrder` when it is a cursor of this
 * listing made in another order (its keys mean nothing in this one); undefined otherwise.
 */
export function decodeOrderedCursor(
  scope: string,
  cursor: unknown,
  keyType: IntegerType,
  order: CursorOrder,
): KeysetPosition | 'otherOrder' | undefined {
  const text = readCursor(cursor);
  const match =
    text === undefined
      ? null
      : /^([a-z_]+):(?:([a-z_]+\.(?:asc|desc)):)?([1-9]\d*)(?::(.+))?$/s.exec(text);
  if (!match || match[1] !== scope) return undefined;
  const [, , label, idText, key] = match;
  if (label !== order.label) return 'otherOrder';
  const id = parseBoundedInteger(idText, { min: 1, max: INTEGER_RANGES[keyType].max });
  if (id === undefined) return undefined;
  if (!order.isKey) return key === undefined ? { id } : undefined;
  return key !== undefined && order.isKey(key) ? { id, key } : undefined;
}
