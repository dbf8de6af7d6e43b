import { isDatabaseRole } from '../database/role-scoped-transactions';
import { parseTokenArguments, parseTtl } from './token-arguments';

describe('token arguments', () => {
  it('reads a role, a subject and a lifetime in any order', () => {
    expect(
      parseTokenArguments(['--ttl', '2h', 'analyst', '--sub', 'grafana'], isDatabaseRole),
    ).toEqual({
      role: 'analyst',
      sub: 'grafana',
      ttlSeconds: 7200,
    });
  });

  it.each(['smartretail:retention', 'SMARTRETAIL:x'])(
    "refuses the subject %s, reserved for the service's own jobs",
    (sub) => {
      expect(() => parseTokenArguments(['admin', '--sub', sub], isDatabaseRole)).toThrow(
        '--sub: Token subjects (sub) starting with "smartretail:" are reserved',
      );
    },
  );

  it.each([
    ['30s', 30],
    ['15m', 900],
    ['1h', 3600],
    ['30d', 2_592_000],
  ])('reads the lifetime %s as %i seconds', (raw, expected) => {
    expect(parseTtl(raw)).toBe(expected);
  });

  it.each(['0h', '1w', '31d', '1.5h', '-1h', ''])('refuses the lifetime "%s"', (raw) => {
    expect(() => parseTtl(raw)).toThrow('--ttl must be a duration');
  });
});
