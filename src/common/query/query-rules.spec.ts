import { isCalendarDate, isNotAfter, parseBoundedInteger } from './query-rules';

describe('query value rules', () => {
  const int = { min: 1, max: 2_147_483_647 };

  it.each(['1', '2147483647', '007'])('reads the integer %s', (raw) => {
    expect(parseBoundedInteger(raw, int)).toBe(Number(raw));
  });

  it.each(['0', '2147483648', '9223372036854775807', '1e3', ' 1', '+1', '0x10', '1.0', '', '１'])(
    'refuses %j as an integer from 1 to 2147483647',
    (raw) => {
      expect(parseBoundedInteger(raw, int)).toBeUndefined();
    },
  );

  it.each([
    ['2024-02-29', 'date'],
    ['2025-12-31', 'date'],
    ['2025-01-01T10:30', 'local'],
    ['2025-01-01 10:30:59.123456', 'local'],
    ['2025-01-01T10:30:00Z', 'zoned'],
    ['2025-01-01T10:30:00+05:30', 'zoned'],
  ] as const)('accepts %s as a %s', (raw, kind) => {
    expect(isCalendarDate(raw, kind)).toBe(true);
  });

  it.each([
    ['2025-02-29', 'date'],
    ['2025-W01-1', 'zoned'],
    ['2025-001', 'zoned'],
    ['2025', 'zoned'],
    ['0000-01-01', 'date'],
    ['2025-01-01T10:30', 'date'],
    ['2025-01-01T10:30Z', 'local'],
    ['2025-01-01T24:00', 'local'],
    ['2025-01-01T10:30:00+24:00', 'zoned'],
  ] as const)('refuses %s as a %s', (raw, kind) => {
    expect(isCalendarDate(raw, kind)).toBe(false);
  });

  it('compares bounds of any accepted form', () => {
    expect(isNotAfter('2025-01-01', '2025-01-01')).toBe(true);
    expect(isNotAfter('2025-01-02', '2025-01-01T23:59')).toBe(false);
    expect(isNotAfter('2025-01-01T10:00:00+02:00', '2025-01-01T09:00:00Z')).toBe(true);
  });
});
