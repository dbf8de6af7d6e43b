/**
 * `npm run token -- <role> [--sub NAME] [--ttl 1h]`: prints a signed role token on stdout, for
 * operators, curl/Grafana users and tests. Reads the same configuration as the service (in
 * embedded mode, the JWT secret of DATA_DIR/secrets.json) without starting PostgreSQL.
 * Exit codes (src/cli/cli-usage.ts): 0 printed (or --help), 1 bad configuration, 2 bad arguments.
 */
import 'reflect-metadata';
import { signRoleToken } from '../auth/role-token.service';
import { isDatabaseRole } from '../database/role-scoped-transactions';
import { DATABASE_ROLES } from '../auth/database-role';
import { resolveRuntimeConfig } from '../database/runtime-environment';
import { runCli, UsageError, wantsHelp } from './cli-usage';
import { parseTokenArguments, TokenArgumentError } from './token-arguments';

const USAGE = `usage: npm run token -- <${DATABASE_ROLES.join('|')}> [--sub NAME] [--ttl DURATION]
  --sub  token subject recorded in the audit log (default: the role name)
  --ttl  lifetime: 30s, 15m, 1h, 7d (default: 1h, at most the service's JWT_MAX_TTL, 24h by default)`;

function main(argv: string[]): void {
  wantsHelp(argv);
  let request;
  try {
    request = parseTokenArguments(argv, isDatabaseRole);
  } catch (error) {
    if (error instanceof TokenArgumentError) throw new UsageError(error.message);
    throw error;
  }
  // Log lines go to stderr: stdout carries the token only, so `$(npm run -s token ...)` works.
  const { config } = resolveRuntimeConfig(process.env, { log: (m: string) => console.error(m) });
  // The service would refuse a longer one: better said now than at the first request.
  if (request.ttlSeconds > config.jwtMaxTtlSeconds)
    throw new UsageError(
      `--ttl must be at most JWT_MAX_TTL (${config.jwtMaxTtlSeconds}s), the longest lifetime the service accepts`,
    );
  process.stdout.write(`${signRoleToken(config, request)}\n`);
}

runCli({ name: 'token', usage: USAGE }, () => main(process.argv.slice(2)));
