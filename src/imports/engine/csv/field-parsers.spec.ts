import type { ColumnSpec } from '../../../catalog/dataset.types';
import { parseDate, parseField, parseTimestamp } from './field-parsers';

const money: ColumnSpec = { name: 'prix', type: 'money', required: true, min: 0, description: '' };
const id: ColumnSpec = { name: 'id', type: 'integer', required: true, min: 1, description: '' };
const email: ColumnSpec = {
  name: 'email',
  type: 'text',
  required: true,
  personal: true,
  blindIndex: true,
  shape: 'email',
  description: '',
};
const ts: ColumnSpec = { name: 'at', type: 'timestamp', required: true, description: '' };
const comma = { decimalComma: false };
const reason = (column: ColumnSpec, raw: string) => {
  const r = parseField(column, raw, comma);
  return r.ok ? `ok: ${r.value}` : r.reason;
};

describe('field parsers', () => {
  it('reads ISO and dd/mm/yyyy dates and refuses impossible ones', () => {
    expect(parseDate('2024-02-29')).toBe('2024-02-29');
    expect(parseDate('5/3/1990')).toBe('1990-03-05');
    expect(parseDate('29/02/2023')).toBeNull();
    expect(parseDate('2024-13-01')).toBeNull();
  });

  it('reads timestamps with a space or a T, and refuses out-of-range times and time zones', () => {
    expect(parseTimestamp('2025-01-07T18:00')).toBe('2025-01-07 18:00:00');
    expect(parseTimestamp('07/01/2025 09:05:03')).toBe('2025-01-07 09:05:03');
    expect(parseTimestamp('2025-01-07 24:00')).toBeNull();
    expect(reason(ts, '2025-01-07T18:00:00+02:00')).toBe(
      'not a valid timestamp: time zones are not accepted (local time expected)',
    );
    expect(reason(ts, '2025-01-07T18:00:00Z')).toMatch(/time zones are not accepted/);
  });

  it('accepts French decimals only in semicolon files', () => {
    expect(parseField(money, '12,50', { decimalComma: true })).toEqual({
      ok: true,
      value: '12.50',
    });
    expect(parseField(money, '12,50', comma)).toMatchObject({ ok: false });
    expect(reason(money, '-1')).toBe('must be >= 0');
  });

  it('says "out of range" for numbers too big for their column, whatever their size', () => {
    expect(reason(id, '2147483647')).toBe('ok: 2147483647');
    expect(reason(id, '2147483648')).toBe(
      'out of range (integers go from -2147483648 to 2147483647)',
    );
    expect(reason(id, '9223372036854775808')).toMatch(/^out of range/);
    expect(reason(id, '1'.repeat(40))).toMatch(/^out of range/);
    expect(reason(id, '0002')).toBe('ok: 2');
    expect(reason(money, '12345678901.00')).toBe('out of range (amounts go up to 9999999999.99)');
    expect(reason(money, '9999999999.99')).toBe('ok: 9999999999.99');
    expect(reason(money, '1.005')).toBe('at most 2 decimals');
  });

  it('refuses exponents, NaN and Infinity as numbers', () => {
    for (const raw of ['1e3', 'NaN', 'Infinity', '-Infinity', '0x10']) {
      expect(reason(id, raw)).toBe('not an integer');
      expect(reason(money, raw)).toBe('not an amount (expected e.g. 12.50)');
    }
  });

  it('refuses e-mail addresses holding invisible or bidirectional characters', () => {
    expect(reason(email, 'lea@example.com')).toBe('ok: lea@example.com');
    for (const invisible of ['\u200B', '\u202E', '\u2066', '\u00AD', '\u0007']) {
      expect(reason(email, `le${invisible}a@example.com`)).toBe(
        'not an e-mail address: it holds an invisible or control character',
      );
    }
  });

  it('refuses NUL bytes and undecodable bytes in any cell, and over-long text', () => {
    expect(reason(money, '1\u00000')).toBe('holds a NUL byte');
    expect(reason(email, 'l\uFFFDa@example.com')).toMatch(/^holds bytes that are not valid/);
    expect(reason({ ...email, blindIndex: false }, 'x'.repeat(1001))).toBe(
      'longer than 1000 characters',
    );
  });
});
