import { decodeCursor, encodeCursor } from './keyset-cursor';

describe('keyset cursors', () => {
  it('round-trips the last key of a page', () => {
    expect(decodeCursor('clients', encodeCursor('clients', 1234), 'integer')).toBe(1234);
  });

  it('is opaque: neither the scope nor the key appear in plain text', () => {
    expect(encodeCursor('clients', 1234)).not.toMatch(/clients|1234/);
  });

  it.each([
    ['a cursor of another listing', encodeCursor('magasins', 3)],
    ['random text', 'hello'],
    ['a key that is not a positive integer', Buffer.from('clients:-1').toString('base64url')],
    ['SQL in disguise', Buffer.from('clients:1 OR 1=1').toString('base64url')],
    ['non-base64url characters', "' OR 1=1 --"],
    ['a key beyond the integer column', encodeCursor('clients', 2_147_483_648)],
  ])('refuses %s', (_name, cursor) => {
    expect(decodeCursor('clients', cursor, 'integer')).toBeUndefined();
  });

  it('accepts keys up to the range of the key column type', () => {
    expect(decodeCursor('audit', encodeCursor('audit', 2_147_483_648), 'bigint')).toBe(
      2_147_483_648,
    );
    expect(decodeCursor('audit', encodeCursor('audit', 2 ** 53), 'bigint')).toBeUndefined();
  });
});
