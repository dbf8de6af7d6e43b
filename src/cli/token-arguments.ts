import type { DatabaseRole } from '../auth/database-role';
import { isInternalSubject, RESERVED_SUBJECT_MESSAGE } from '../auth/internal-subject';
import { SUBJECT_PATTERN, TokenRequest } from '../auth/role-token.service';
import { parseDurationSeconds } from '../config/duration';

export class TokenArgumentError extends Error {}

const MAX_TTL_SECONDS = 30 * 86400;

export function parseTtl(raw: string): number {
  const seconds = parseDurationSeconds(raw) ?? NaN;
  if (!(seconds <= MAX_TTL_SECONDS)) {
    throw new TokenArgumentError(`--ttl must be a duration like 30s, 15m, 1h or 7d, at most 30d`);
  }
  return seconds;
}

export function parseTokenArguments(
  argv: string[],
  isRole: (value: unknown) => value is DatabaseRole,
): TokenRequest {
  const positional: string[] = [];
  const options: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--sub' || arg === '--ttl') {
      const value = argv[++i];
      if (value === undefined || value.startsWith('--')) {
        throw new TokenArgumentError(`${arg} needs a value`);
      }
      options[arg.slice(2)] = value;
    } else if (arg.startsWith('-')) {
      throw new TokenArgumentError(`unknown option ${arg}`);
    } else {
      positional.push(arg);
    }
  }
  if (positional.length !== 1) throw new TokenArgumentError('give exactly one role');
  const role = positional[0];
  if (!isRole(role)) throw new TokenArgumentError(`unknown role "${role}"`);
  const sub = options.sub ?? role;
  if (!SUBJECT_PATTERN.test(sub)) {
    throw new TokenArgumentError('--sub must be 1-128 letters, digits or ._@:-');
  }
  // The service would refuse it: said now, not at the first request.
  if (isInternalSubject(sub)) throw new TokenArgumentError(`--sub: ${RESERVED_SUBJECT_MESSAGE}`);
  return { role, sub, ttlSeconds: parseTtl(options.ttl ?? '1h') };
}
