/**
 * `npm run token -- <role> [--sub NAME] [--ttl 1h]`: prints a signed role token on stdout, for
 * operators, curl/Grafana users and tests. Reads the same configuration as the service (in
 * embedded mode, the JWT secret of DATA_DIR/secrets.json) without starting PostgreSQL.
 * Exit codes: 0 printed, 1 bad configuration, 2 bad arguments.
 */
import 'reflect-metadata';
import { signRoleToken } from '../auth/role-token.service';
import { ConfigurationError } from '../config/app-config';
import { DATABASE_ROLES, isDatabaseRole } from '../database/role-scoped-transactions';
import { resolveRuntimeConfig } from '../database/runtime-environment';
import { parseTokenArguments, TokenArgumentError } from './token-arguments';

const USAGE = `usage: npm run token -- <${DATABASE_ROLES.join('|')}> [--sub NAME] [--ttl DURATION]
  --sub  token subject recorded in the audit log (default: the role name)
  --ttl  lifetime: 30s, 15m, 1h, 7d (default: 1h, at most the service's JWT_MAX_TTL, 24h by default)`;

function main(argv: string[]): number {
  let request;
  try {
    request = parseTokenArguments(argv, isDatabaseRole);
  } catch (error) {
    if (!(error instanceof TokenArgumentError)) throw error;
    console.error(`${error.message}\n${USAGE}`);
    return 2;
  }
  try {
    // Log lines go to stderr: stdout carries the token only, so `$(npm run -s token ...)` works.
    const { config } = resolveRuntimeConfig(process.env, { log: (m: string) => console.error(m) });
    if (request.ttlSeconds > config.jwtMaxTtlSeconds) {
      // The service would refuse it: better said now than at the first request.
      console.error(
        `--ttl must be at most JWT_MAX_TTL (${config.jwtMaxTtlSeconds}s), the longest lifetime the service accepts\n${USAGE}`,
      );
      return 2;
    }
    process.stdout.write(`${signRoleToken(config, request)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof ConfigurationError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
}

process.exitCode = main(process.argv.slice(2));
