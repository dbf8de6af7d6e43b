/**
 * What a rejection of a dataset with personal data says about a refused cell instead of the
 * cell: its length and the classes of characters it holds ("22 characters: letters, @,
 * punctuation"). Safe by construction: the text is a number and words from a fixed vocabulary
 * in a fixed order, so it cannot carry the content, whichever column the cell was read as (a
 * row shifted by one column puts an e-mail address in a date column). Never a prefix, a hash or
 * a digest: a hash of a low-entropy value (a birth date, a first name) is found by guessing.
 */

/** Checked in this order; the first class a character belongs to is the one it counts for. */
const CLASSES: readonly [name: string, test: (c: string) => boolean][] = [
  ['digits', (c) => c >= '0' && c <= '9'],
  ['letters', (c) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')],
  ['other letters', (c) => /\p{L}|\p{M}/u.test(c)],
  ['spaces', (c) => /\p{Zs}/u.test(c)],
  ['@', (c) => c === '@'],
  ['control or invisible characters', (c) => /\p{Cc}|\p{Cf}|\p{Zl}|\p{Zp}/u.test(c)],
  // U+FFFD stands for bytes the file's character set could not decode.
  ['undecodable bytes', (c) => c === '\uFFFD'],
  ['punctuation', (c) => /\p{P}|\p{S}/u.test(c)],
];
const OTHER = 'other characters';

export function cellShape(cell: string): string {
  if (cell === '') return 'empty';
  const seen = new Set<string>();
  let length = 0;
  for (const c of cell) {
    length++;
    if (seen.size === CLASSES.length + 1) continue;
    seen.add(CLASSES.find(([, test]) => test(c))?.[0] ?? OTHER);
  }
  const names = [...CLASSES.map(([name]) => name), OTHER].filter((name) => seen.has(name));
  return `${length} character${length === 1 ? '' : 's'}: ${names.join(', ')}`;
}
