/**
 * The characters an e-mail address may not hold, as explicit code point ranges, so that Node's
 * validator and the database trigger test exactly the same set whatever Unicode version Node or
 * PostgreSQL ships (`\p{C}` in a JS regex follows Node's ICU and grows with every release).
 *
 * Invisible: controls (Cc), format characters (Cf: soft hyphen, zero-width and bidirectional
 * marks...), private use (Co) and noncharacters, as of Unicode 17. Surrogates cannot occur in
 * valid UTF-8 and NUL is refused earlier (PostgreSQL cannot store it).
 * Space: exactly what `\s` means in a JS regex (ECMAScript WhiteSpace and LineTerminator).
 */
export type CodePointRange = readonly [from: number, to: number];

export const INVISIBLE_RANGES: readonly CodePointRange[] = [
  [0x0000, 0x001f],
  [0x007f, 0x009f],
  [0x00ad, 0x00ad],
  [0x0600, 0x0605],
  [0x061c, 0x061c],
  [0x06dd, 0x06dd],
  [0x070f, 0x070f],
  [0x0890, 0x0891],
  [0x08e2, 0x08e2],
  [0x180e, 0x180e],
  [0x200b, 0x200f],
  [0x202a, 0x202e],
  [0x2060, 0x2064],
  [0x2066, 0x206f],
  [0xfeff, 0xfeff],
  [0xfff9, 0xfffb],
  [0x110bd, 0x110bd],
  [0x110cd, 0x110cd],
  [0x13430, 0x1343f],
  [0x1bca0, 0x1bca3],
  [0x1d173, 0x1d17a],
  [0xe0001, 0xe0001],
  [0xe0020, 0xe007f],
  [0xe000, 0xf8ff],
  [0xf0000, 0xffffd],
  [0x100000, 0x10fffd],
  [0xfdd0, 0xfdef],
  ...Array.from({ length: 17 }, (_, plane): CodePointRange => {
    const base = plane * 0x10000;
    return [base + 0xfffe, base + 0xffff];
  }),
];

export const SPACE_RANGES: readonly CodePointRange[] = [
  [0x0009, 0x000d],
  [0x0020, 0x0020],
  [0x00a0, 0x00a0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
];

const hex = (cp: number, width: number) => cp.toString(16).toUpperCase().padStart(width, '0');

/** The ranges as the inside of a JS `u` regex bracket expression. */
export function jsClass(ranges: readonly CodePointRange[]): string {
  const one = (cp: number) => `\\u{${hex(cp, 4)}}`;
  return ranges.map(([a, b]) => (a === b ? one(a) : `${one(a)}-${one(b)}`)).join('');
}

/**
 * The ranges as the inside of a PostgreSQL ARE bracket expression (`\uXXXX`, `\UXXXXXXXX`).
 * NUL is left out: PostgreSQL text cannot hold it, and `\u0000` is not a valid escape.
 */
export function sqlClass(ranges: readonly CodePointRange[]): string {
  const one = (cp: number) => (cp <= 0xffff ? `\\u${hex(cp, 4)}` : `\\U${hex(cp, 8)}`);
  return ranges
    .map(([a, b]): CodePointRange => [Math.max(a, 1), b])
    .map(([a, b]) => (a === b ? one(a) : `${one(a)}-${one(b)}`))
    .join('');
}
