/** Role tokens for tests, signed with the test JWT secret (and deliberately broken variants). */
import { createHmac } from 'node:crypto';
import { signRoleToken } from '../../src/auth/role-token.service';
import type { DatabaseRole } from '../../src/auth/database-role';
import { testSecrets } from './test-database';

export const tokenFor = (role: DatabaseRole, sub = `${role}-tester`): string =>
  signRoleToken({ jwtSecret: testSecrets().jwtSecret }, { role, sub, ttlSeconds: 600 });

export const bearer = (role: DatabaseRole, sub?: string): [string, string] => [
  'Authorization',
  `Bearer ${tokenFor(role, sub)}`,
];

const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Hand-built JWT, to produce what no well-behaved library would sign. */
export function rawToken(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  secret: string | null = testSecrets().jwtSecret,
  hmac: 'sha256' | 'sha512' = 'sha256',
): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const signature =
    secret === null ? '' : createHmac(hmac, secret).update(input).digest('base64url');
  return `${input}.${signature}`;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
