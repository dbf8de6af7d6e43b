import { parseColumnFilter, splitInList } from './column-filter';

const int = { name: 'magasin_id', type: 'integer' as const, min: 1 };
const text = { name: 'ville', type: 'text' as const };

describe('column filter grammar', () => {
  it.each([
    ['eq.3', 'eq', [3]],
    ['3', 'eq', [3]],
    ['neq.3', 'neq', [3]],
    ['gte.-5', 'gte', [-5]],
    ['in.(1,2,3)', 'in', [1, 2, 3]],
  ] as const)('reads %s on an integer column', (raw, operator, values) => {
    expect(parseColumnFilter(int, raw)).toEqual({ column: 'magasin_id', operator, values });
  });

  it('reads quoted values holding commas, parentheses and escaped quotes in in.(...)', () => {
    expect(splitInList('("Paris, 15e",Lyon,"a\\"b(c)")')).toEqual(['Paris, 15e', 'Lyon', 'a"b(c)']);
    expect(parseColumnFilter(text, 'eq.Saint.Denis')).toEqual({
      column: 'ville',
      operator: 'eq',
      values: ['Saint.Denis'],
    });
  });

  it.each([
    ['like.3', 'has an unknown operator "like"'],
    ['0', 'must be an integer from 1 to 2147483647, or <operator>.<value>'],
    ['gt.abc', 'needs an integer from -2147483648 to 2147483647 after gt.'],
    ['in.()', 'needs in.(v1,v2,...) with 1 to 100 values, each an integer from 1 to 2147483647'],
    ['in.(1,x)', 'needs in.(...) values that are each an integer from 1 to 2147483647'],
    ['in.(1,0)', 'needs in.(...) values that are each an integer from 1 to 2147483647'],
    ['in.1,2', 'needs in.(v1,v2,...)'],
  ])('refuses %s with a precise problem', (raw, problem) => {
    expect(parseColumnFilter(int, raw)).toEqual({ problem: expect.stringContaining(problem) });
  });

  it('says what an amount needs once, without "after after"', () => {
    const money = { name: 'prix', type: 'money' as const };
    expect(parseColumnFilter(money, 'gt.1.234')).toEqual({
      problem: 'needs a decimal amount of at most 10 integer digits and 2 decimals after gt.',
    });
  });

  it('wants an operator on every non-integer column', () => {
    expect(parseColumnFilter(text, 'Paris')).toEqual({
      problem: expect.stringContaining('must be <operator>.<value>'),
    });
    expect(parseColumnFilter(text, 'eq.a\u0000b')).toEqual({
      problem: expect.stringContaining('without control characters'),
    });
  });
});
