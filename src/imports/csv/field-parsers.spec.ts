import type { ColumnSpec } from '../../catalog/dataset.types';
import { parseDate, parseField, parseTimestamp } from './field-parsers';

const money: ColumnSpec = { name: 'prix', type: 'money', required: true, min: 0, description: '' };

describe('field parsers', () => {
  it('reads ISO and dd/mm/yyyy dates and refuses impossible ones', () => {
    expect(parseDate('2024-02-29')).toBe('2024-02-29');
    expect(parseDate('5/3/1990')).toBe('1990-03-05');
    expect(parseDate('29/02/2023')).toBeNull();
    expect(parseDate('2024-13-01')).toBeNull();
  });

  it('reads timestamps with a space or a T, and refuses out-of-range times', () => {
    expect(parseTimestamp('2025-01-07T18:00')).toBe('2025-01-07 18:00:00');
    expect(parseTimestamp('07/01/2025 09:05:03')).toBe('2025-01-07 09:05:03');
    expect(parseTimestamp('2025-01-07 24:00')).toBeNull();
  });

  it('accepts French decimals only in semicolon files', () => {
    expect(parseField(money, '12,50', { decimalComma: true })).toEqual({
      ok: true,
      value: '12.50',
    });
    expect(parseField(money, '12,50', { decimalComma: false })).toMatchObject({ ok: false });
    expect(parseField(money, '-1', { decimalComma: false })).toEqual({
      ok: false,
      reason: 'must be >= 0',
    });
  });
});
