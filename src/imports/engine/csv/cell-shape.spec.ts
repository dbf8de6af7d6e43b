import { cellShape } from './cell-shape';

describe('the shape of a refused cell', () => {
  it('gives the length and the classes of characters, in a fixed order', () => {
    expect(cellShape('zqmark.erase@evil.test')).toBe('22 characters: letters, @, punctuation');
    expect(cellShape('1931-07-13')).toBe('10 characters: digits, punctuation');
    expect(cellShape('Zoé Lefèvre')).toBe('11 characters: letters, other letters, spaces');
    expect(cellShape('F')).toBe('1 character: letters');
    expect(cellShape('')).toBe('empty');
  });

  it('names invisible, control and undecodable characters without showing them', () => {
    expect(cellShape('a\u200bb\u0000')).toBe(
      '4 characters: letters, control or invisible characters',
    );
    expect(cellShape('B\uFFFDranger')).toBe('8 characters: letters, undecodable bytes');
  });

  it('counts characters, not UTF-16 units', () => {
    expect(cellShape('😀')).toBe('1 character: punctuation');
  });

  it('cannot tell two values of the same shape apart (no prefix, no digest)', () => {
    expect(cellShape('1931-07-13')).toBe(cellShape('2024-01-15'));
    expect(cellShape('Martin')).toBe(cellShape('Durand'));
  });
});
