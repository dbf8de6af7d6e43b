/**
 * Quotes an identifier that comes from the dataset catalog. Request input never reaches this:
 * the pattern check is a tripwire against a catalog mistake, not an escaping strategy.
 */
export function ident(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`not a catalog identifier: ${name}`);
  return `"${name}"`;
}
