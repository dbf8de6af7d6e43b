/**
 * Names from the catalog, written unquoted so the rendered SQL reads like the hand-written
 * migrations. The pattern is a tripwire against a catalog mistake: a name that would need
 * quoting (or could inject SQL) stops the rendering.
 */
export function sqlName(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`not a plain SQL name: ${name}`);
  return name;
}

/** The blind index column kept beside an e-mail column. */
export const blindIndexColumn = (column: string): string => sqlName(`${column}_hash`);

/** Keyed digest of a row's clear personal values (see migrations/...CreateRetailTables). */
export const DIGEST_COLUMN = 'pii_digest';

/** Set on an erased subject's tombstone (see migrations/...EnvelopeEncryption). */
export const ERASED_AT_COLUMN = 'erased_at';
