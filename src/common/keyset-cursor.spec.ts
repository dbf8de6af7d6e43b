import { DomainError } from './domain-error';
import { decodeCursor, encodeCursor } from './keyset-cursor';

describe('keyset cursors', () => {
  it('round-trips the last key of a page', () => {
    expect(decodeCursor('clients', encodeCursor('clients', 1234))).toBe(1234);
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
  ])('refuses %s with a 400-mapped error', (_name, cursor) => {
    expect(() => decodeCursor('clients', cursor)).toThrow(DomainError);
    expect(() => decodeCursor('clients', cursor)).toThrow(
      'cursor is not a cursor of this clients listing',
    );
  });
});
