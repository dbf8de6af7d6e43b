/**
 * Opaque keyset cursors: base64url of `<scope>:<last primary key>`. Not secret (the key is in the
 * page already) but strictly validated, so a forged or foreign cursor is a 400, never SQL.
 */
import { invalidInput } from './domain-error';

const MAX_KEY = 9_007_199_254_740_991;

export function encodeCursor(scope: string, lastKey: number): string {
  return Buffer.from(`${scope}:${lastKey}`, 'utf8').toString('base64url');
}

export function decodeCursor(scope: string, cursor: string): number {
  const decoded = /^[A-Za-z0-9_-]{1,64}$/.test(cursor)
    ? Buffer.from(cursor, 'base64url').toString('utf8')
    : '';
  const match = /^([a-z_]+):([1-9]\d{0,15})$/.exec(decoded);
  const key = match ? Number(match[2]) : NaN;
  if (!match || match[1] !== scope || key > MAX_KEY) {
    throw invalidInput(`cursor is not a cursor of this ${scope} listing`, { parameter: 'cursor' });
  }
  return key;
}
