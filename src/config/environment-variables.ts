/**
 * Every environment variable the service reads, declared once: its name, its validation rules
 * (type, bounds, allowed values), its default (the property's initial value, which
 * class-transformer keeps when the variable is unset) and its documentation (@Setting).
 * docs/configuration.md and .env.example are generated from this class by `npm run config:docs`;
 * `npm run config:check` (in .ci/run) fails when they drift. Defaults that depend on another
 * variable or on the platform are computed in AppConfig and described in `defaultText`.
 */
import { Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { parseDurationSeconds } from './duration';
import { needsJwtSecret } from './jwt-settings';
import { AUDIT_RETENTION_MIN_DAYS } from './retention-limits';
import { IsSecretKey } from './secret-key.validator';
import { Setting } from './setting';

const TRUST_PROXY =
  /^(false|true|\d{1,2}|(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?)(\s*,\s*(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?))*)$/;

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

export class EnvironmentVariables {
  // --- HTTP -------------------------------------------------------------------------------

  @Setting({ section: 'http', description: 'The environment the service runs in.' })
  @IsOptional()
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: string = 'development';

  @Setting({
    section: 'http',
    description: 'The TCP port of the API (and of `/metrics` unless `METRICS_PORT` is set).',
  })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'PORT must be a TCP port number (1-65535)' })
  @Min(1)
  @Max(65535)
  PORT: number = 3000;

  @Setting({ section: 'http', description: 'The address the API listens on.' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  HOST: string = '0.0.0.0';

  @Setting({
    section: 'http',
    description:
      "pino's levels error, warn, info, debug, trace; successful `/health/*` and `/metrics` calls log at `debug`.",
  })
  @IsOptional()
  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: string = 'log';

  @Setting({
    section: 'http',
    description:
      '`json`: one JSON object per line (for files and collectors); `pretty`: coloured lines for a terminal.',
    defaultText: '`pretty` on a terminal, `json` otherwise',
  })
  @IsOptional()
  @IsIn(['json', 'pretty'], { message: 'LOG_FORMAT must be json or pretty' })
  LOG_FORMAT?: string;

  // --- Database ---------------------------------------------------------------------------

  @Setting({
    section: 'database',
    description:
      "The PostgreSQL server and database to use, as the schema owner (migrations, the login roles' passwords). Unset: an embedded PostgreSQL starts under `DATA_DIR`.",
    defaultText: 'required outside embedded mode',
    example: 'postgres://postgres:change-me@localhost:5432/smartretail',
  })
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/[^/]+\/[^/?]+/, {
    message:
      'DATABASE_URL must be a postgres:// URL naming a database (postgres://user:password@host:5432/db)',
  })
  DATABASE_URL?: string;

  @Setting({
    section: 'database',
    description:
      'The same database reached directly, for what needs a session (migrations, `db:backup`, `db:restore`) when `DATABASE_URL` goes through a transaction-mode pooler (PgBouncer, docs/scaling.md). Refused in embedded mode.',
    defaultText: '`DATABASE_URL`',
    example: 'postgres://postgres:change-me@db-host:5432/smartretail',
  })
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/[^/]+\/[^/?]+/, {
    message:
      'DATABASE_MIGRATION_URL must be a postgres:// URL naming a database (postgres://user:password@host:5432/db)',
  })
  DATABASE_MIGRATION_URL?: string;

  @Setting({
    section: 'database',
    description:
      "The service's own directory: the embedded cluster, generated secrets, PostgreSQL's log, uploads being received. Readiness reports its free space.",
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  DATA_DIR: string = '.data';

  @Setting({
    section: 'database',
    description: 'The port of the embedded PostgreSQL, on 127.0.0.1.',
  })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'EMBEDDED_PG_PORT must be a TCP port number (1-65535)' })
  @Min(1)
  @Max(65535)
  EMBEDDED_PG_PORT: number = 54320;

  @Setting({
    section: 'database',
    description:
      'Consecutive failed restarts of a dead embedded PostgreSQL before the service shuts down in order and exits 1.',
  })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'EMBEDDED_PG_MAX_RESTARTS must be an integer from 0 to 100' })
  @Min(0)
  @Max(100)
  EMBEDDED_PG_MAX_RESTARTS: number = 5;

  @Setting({
    section: 'database',
    description:
      "The first restart's delay (ms); it doubles with each consecutive failure (at most 30 s).",
  })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'EMBEDDED_PG_RESTART_DELAY_MS must be an integer from 100 to 60000' })
  @Min(100)
  @Max(60_000)
  EMBEDDED_PG_RESTART_DELAY_MS: number = 1_000;

  @Setting({
    section: 'database',
    description:
      'Pool connections for requests; imports get 2 × `IMPORT_CONCURRENCY` more, never one of these.',
  })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'DB_POOL_SIZE must be an integer between 1 and 100' })
  @Min(1)
  @Max(100)
  DB_POOL_SIZE: number = 10;

  @Setting({
    section: 'database',
    description:
      'How long (ms) a request waits for a pool connection before it gets a 503 with `Retry-After` (never a hang).',
  })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'DB_ACQUIRE_TIMEOUT_MS must be an integer number of milliseconds' })
  @Min(100)
  DB_ACQUIRE_TIMEOUT_MS: number = 5_000;

  @Setting({
    section: 'database',
    description:
      'TLS to the database; `verify-full` checks the certificate chain and the host name (a provider CA goes in `NODE_EXTRA_CA_CERTS`).',
  })
  @IsOptional()
  @IsIn(['disable', 'require', 'verify-full'], {
    message: 'DB_SSL must be one of disable, require, verify-full',
  })
  DB_SSL: string = 'disable';

  @Setting({
    section: 'database',
    description: 'The statement timeout (ms) of every statement of a request.',
  })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'STATEMENT_TIMEOUT_MS must be an integer number of milliseconds' })
  @Min(100)
  STATEMENT_TIMEOUT_MS: number = 15_000;

  @Setting({
    section: 'database',
    description:
      "The statement timeout (ms) of an expensive read's costly statement, an exact count (`Prefer: count=exact`); past it, 503.",
  })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'EXPENSIVE_READ_TIMEOUT_MS must be an integer from 100 to 600000 (ms)' })
  @Min(100)
  @Max(600_000)
  EXPENSIVE_READ_TIMEOUT_MS: number = 5_000;

  @Setting({
    section: 'database',
    description:
      'Expensive reads (exact counts, whole CSV exports) one caller may run at once, per instance; one more gets a 429.',
  })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'EXPENSIVE_READS_PER_CALLER must be an integer from 1 to 100' })
  @Min(1)
  @Max(100)
  EXPENSIVE_READS_PER_CALLER: number = 2;

  @Setting({
    section: 'database',
    description:
      'The password of the `app_user` login role (the service), at least 16 characters; generated in embedded mode.',
    defaultText: 'required outside embedded mode',
  })
  @IsString({ message: 'APP_DB_PASSWORD must be set (the password of the app_user database role)' })
  @MinLength(16, { message: 'APP_DB_PASSWORD must be at least 16 characters' })
  APP_DB_PASSWORD!: string;

  @Setting({
    section: 'database',
    description:
      'The password of the `grafana` login role (dashboards), at least 16 characters; generated in embedded mode.',
    defaultText: 'required outside embedded mode',
  })
  @IsString({
    message: 'GRAFANA_DB_PASSWORD must be set (the password of the grafana database role)',
  })
  @MinLength(16, { message: 'GRAFANA_DB_PASSWORD must be at least 16 characters' })
  GRAFANA_DB_PASSWORD!: string;

  // --- Keys -------------------------------------------------------------------------------

  @Setting({
    section: 'keys',
    description:
      'The AES-256 master key of personal data; never stored in the database, passed per transaction. Losing it loses the personal data.',
    defaultText: 'required outside embedded mode',
  })
  @IsSecretKey()
  ENCRYPTION_KEY!: string;

  @Setting({
    section: 'keys',
    description: 'Which master-key version `ENCRYPTION_KEY` is; each rotation adds one.',
  })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'ENCRYPTION_KEY_VERSION must be a whole number, at least 1' })
  @Min(1, { message: 'ENCRYPTION_KEY_VERSION must be a whole number, at least 1' })
  ENCRYPTION_KEY_VERSION: number = 1;

  @Setting({
    section: 'keys',
    description:
      'During a master-key rotation only (docs/gdpr.md): the next master key, version `ENCRYPTION_KEY_VERSION` + 1. Deploy it to every instance, then run `npm run keys:rotate`.',
    defaultText: 'unset',
  })
  @IsOptional()
  @IsSecretKey()
  NEW_ENCRYPTION_KEY?: string;

  @Setting({
    section: 'keys',
    description: 'The HMAC key of the e-mail blind index; must differ from `ENCRYPTION_KEY`.',
    defaultText: 'required outside embedded mode',
  })
  @IsSecretKey()
  BLIND_INDEX_KEY!: string;

  @Setting({
    section: 'keys',
    description:
      'The HS256 secret of role tokens (`npm run -s token -- <role>` signs one with it). Required only while HS256 is among `JWT_ALGORITHMS` (the default without a JWKS).',
    defaultText: 'required while HS256 is allowed',
  })
  @ValidateIf((env: EnvironmentVariables) => needsJwtSecret(env))
  @IsSecretKey()
  JWT_SECRET?: string;

  @Setting({
    section: 'keys',
    description: "The tokens' `iss`, checked when set; required with a JWKS.",
    defaultText: 'unset',
  })
  @IsOptional()
  @IsString()
  JWT_ISSUER?: string;

  @Setting({
    section: 'keys',
    description: "The tokens' `aud`, checked when set; required with a JWKS.",
    defaultText: 'unset',
  })
  @IsOptional()
  @IsString()
  JWT_AUDIENCE?: string;

  // --- Tokens from an identity provider ---------------------------------------------------

  @Setting({
    section: 'tokens',
    description:
      'Comma-separated algorithms accepted; HS256 and asymmetric ones together only when both are listed (cross-checked with the keys in src/config/jwt-settings.ts).',
    defaultText: '`HS256` without a JWKS, `RS256,ES256,EdDSA` with one',
  })
  @IsOptional()
  @IsString()
  JWT_ALGORITHMS?: string;

  @Setting({
    section: 'tokens',
    description:
      "The identity provider's `jwks_uri` (https; http only on localhost): fetched, cached, refreshed on an unknown `kid`.",
    defaultText: 'unset',
  })
  @IsOptional()
  @IsString()
  JWT_JWKS_URL?: string;

  @Setting({
    section: 'tokens',
    description:
      'Or a JWKS document on disk (public keys only), read once at start-up (no identity provider reachable).',
    defaultText: 'unset',
  })
  @IsOptional()
  @IsString()
  JWT_JWKS_FILE?: string;

  @Setting({
    section: 'tokens',
    description: 'One fetch of `JWT_JWKS_URL` (ms), headers and body; then 503.',
  })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'JWT_JWKS_TIMEOUT_MS must be an integer number of milliseconds (100-60000)' })
  @Min(100)
  @Max(60_000)
  JWT_JWKS_TIMEOUT_MS: number = 5_000;

  @Setting({
    section: 'tokens',
    description:
      'No refetch sooner than this (ms) after a fetch, whatever `kid` a token names (protects the identity provider).',
  })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'JWT_JWKS_COOLDOWN_MS must be an integer number of milliseconds (0-3600000)' })
  @Min(0)
  @Max(3_600_000)
  JWT_JWKS_COOLDOWN_MS: number = 30_000;

  @Setting({
    section: 'tokens',
    description:
      'The key set is refetched once older than this (ms), so a key removed by the identity provider stops working.',
  })
  @IsOptional()
  @Transform(toInt)
  @IsInt({
    message: 'JWT_JWKS_MAX_AGE_MS must be an integer number of milliseconds (1000-86400000)',
  })
  @Min(1_000)
  @Max(86_400_000)
  JWT_JWKS_MAX_AGE_MS: number = 600_000;

  @Setting({
    section: 'tokens',
    description:
      'Where the role is found in the token, a dot path: `role`, `app_metadata.role`, `realm_access.roles`, `"https://x/role"`.',
  })
  @IsOptional()
  @IsString()
  JWT_ROLE_CLAIM: string = 'role';

  @Setting({
    section: 'tokens',
    description:
      'The longest token lifetime the service accepts (`exp - iat` and `exp - now`), whoever signed it.',
    defaultText: '`24h`',
    example: '24h',
    accepted: 'a duration (`30m`, `24h`, `7d`) or seconds, from 1m to 30d',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => parseDurationSeconds(value) ?? toInt({ value }))
  @IsInt({ message: 'JWT_MAX_TTL must be a duration like 30m, 24h or 7d (or seconds)' })
  @Min(60, { message: 'JWT_MAX_TTL must be at least 1m' })
  @Max(30 * 86400, { message: 'JWT_MAX_TTL must be at most 30d' })
  JWT_MAX_TTL: number = 86_400;

  @Setting({
    section: 'tokens',
    description:
      'Leeway (s) for an `iat` or `nbf` slightly in the future, set by an issuer whose clock runs ahead.',
  })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'JWT_CLOCK_SKEW_S must be an integer number of seconds from 0 to 300' })
  @Min(0)
  @Max(300)
  JWT_CLOCK_SKEW_S: number = 30;

  // --- Imports ----------------------------------------------------------------------------

  @Setting({ section: 'imports', description: 'The directory the scheduled import scans.' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  IMPORT_DIR: string = 'data';

  @Setting({
    section: 'imports',
    description:
      'When the directory is scanned (6 fields: seconds first; the default is every 2 minutes).',
  })
  @IsOptional()
  @Matches(/^(\S+\s+){4,5}\S+$/, {
    message: 'IMPORT_CRON must be a cron expression (5 or 6 fields)',
  })
  IMPORT_CRON: string = '0 */2 * * * *';

  @Setting({ section: 'imports', description: 'Also scan once at start-up.' })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'IMPORT_ON_START must be true or false' })
  IMPORT_ON_START: string = 'true';

  @Setting({
    section: 'imports',
    description:
      'How long (ms) a file of `IMPORT_DIR` must keep its size and modification time before the scan imports it (a writer still appending to it must not be caught mid-line); 0 imports at once.',
  })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'IMPORT_SETTLE_MS must be an integer number of milliseconds (0-3600000)' })
  @Min(0, { message: 'IMPORT_SETTLE_MS must be at least 0 ms' })
  @Max(3_600_000, { message: 'IMPORT_SETTLE_MS must be at most 3600000 ms (one hour)' })
  IMPORT_SETTLE_MS: number = 30_000;

  @Setting({ section: 'imports', description: 'The upload size limit in bytes (413 above it).' })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'IMPORT_MAX_BYTES must be an integer number of bytes' })
  @Min(1)
  IMPORT_MAX_BYTES: number = 2 * 1024 ** 3;

  @Setting({
    section: 'imports',
    description:
      'Imports that may run at once in one instance, each on two connections of its own (lock, work); at most half of `DB_POOL_SIZE`.',
    defaultText: 'half of `DB_POOL_SIZE`, at most 2 (2 with the default pool)',
  })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'IMPORT_CONCURRENCY must be an integer between 1 and 16' })
  @Min(1)
  @Max(16)
  IMPORT_CONCURRENCY?: number;

  @Setting({
    section: 'imports',
    description:
      'Whether an import decodes, parses and validates its file in a worker thread, keeping the HTTP event loop free (`false`: on the event loop itself, for comparison).',
  })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'IMPORT_WORKERS must be true or false' })
  IMPORT_WORKERS: string = 'true';

  @Setting({
    section: 'imports',
    description:
      'Imports that may wait for their turn in one instance; more get a 503 with `Retry-After`.',
  })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'IMPORT_QUEUE_MAX must be an integer between 0 and 1000' })
  @Min(0)
  @Max(1000)
  IMPORT_QUEUE_MAX: number = 20;

  @Setting({
    section: 'imports',
    description:
      'The longest (ms) an import waits for its turn (queue and import lock) before a 503.',
  })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'IMPORT_WAIT_TIMEOUT_MS must be an integer number of milliseconds' })
  @Min(100)
  IMPORT_WAIT_TIMEOUT_MS: number = 120_000;

  @Setting({
    section: 'imports',
    description: 'An import running longer than this (ms) is reported as stuck by readiness.',
  })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'IMPORT_MAX_DURATION_MS must be an integer number of milliseconds' })
  @Min(1000)
  IMPORT_MAX_DURATION_MS: number = 30 * 60_000;

  @Setting({
    section: 'imports',
    description: 'An upload body that sends nothing for this long (ms) gets a 408.',
  })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'UPLOAD_IDLE_TIMEOUT_MS must be an integer number of milliseconds' })
  @Min(100)
  UPLOAD_IDLE_TIMEOUT_MS: number = 30_000;

  @Setting({
    section: 'imports',
    description:
      'Where uploads are held while they arrive: each instance spools into a 0700 directory of its own there, emptied at shutdown and swept after a crash.',
    defaultText: '`DATA_DIR/uploads`',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  UPLOAD_SPOOL_DIR?: string;

  // --- GDPR retention ---------------------------------------------------------------------

  @Setting({
    section: 'retention',
    description: 'Import runs (and their rejected rows) older than this many days are purged.',
  })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'RETENTION_DAYS_IMPORT_HISTORY must be an integer number of days (1-3650)' })
  @Min(1, { message: 'RETENTION_DAYS_IMPORT_HISTORY must be at least 1 day' })
  @Max(3650, { message: 'RETENTION_DAYS_IMPORT_HISTORY must be at most 3650 days' })
  RETENTION_DAYS_IMPORT_HISTORY: number = 90;

  @Setting({
    section: 'retention',
    description: `Audit rows older than this many days are purged; refused below ${AUDIT_RETENTION_MIN_DAYS}: the audit trail is the controller's evidence of who read personal data (the legal minimum, docs/gdpr.md).`,
  })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'RETENTION_DAYS_AUDIT must be an integer number of days' })
  @Min(AUDIT_RETENTION_MIN_DAYS, {
    message: `RETENTION_DAYS_AUDIT must be at least ${AUDIT_RETENTION_MIN_DAYS} days (the legal minimum for the audit trail of personal data access; see docs/gdpr.md, "Retention")`,
  })
  @Max(3650, { message: 'RETENTION_DAYS_AUDIT must be at most 3650 days' })
  RETENTION_DAYS_AUDIT: number = 365;

  @Setting({
    section: 'retention',
    description:
      "Clients with no purchase for this many days (and signed up before then) are erased, through the erasure path. Off when unset: erasing customers is the controller's decision.",
    defaultText: 'unset: off',
  })
  @IsOptional()
  @Transform(toInt)
  @IsInt({
    message: 'RETENTION_DAYS_INACTIVE_CLIENTS must be an integer number of days (365-3650)',
  })
  @Min(365, {
    message:
      'RETENTION_DAYS_INACTIVE_CLIENTS must be at least 365 days (a year without a purchase is not inactivity)',
  })
  @Max(3650, { message: 'RETENTION_DAYS_INACTIVE_CLIENTS must be at most 3650 days' })
  RETENTION_DAYS_INACTIVE_CLIENTS?: number;

  @Setting({
    section: 'retention',
    description: 'When the purge runs (6 fields: seconds first; the default is daily at 03:15).',
  })
  @IsOptional()
  @Matches(/^(\S+\s+){4,5}\S+$/, {
    message: 'RETENTION_CRON must be a cron expression (5 or 6 fields)',
  })
  RETENTION_CRON: string = '0 15 3 * * *';

  @Setting({
    section: 'retention',
    description: 'Rows one purge statement deletes at most: short statements, short row locks.',
  })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'RETENTION_BATCH_ROWS must be an integer between 1 and 100000' })
  @Min(1)
  @Max(100_000)
  RETENTION_BATCH_ROWS: number = 5_000;

  // --- HTTP protections -------------------------------------------------------------------

  @Setting({
    section: 'protections',
    description:
      'Failed authentications (and refused request bodies) one client address may make per window before it gets 429s.',
  })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'RATE_LIMIT_AUTH_FAILURES must be an integer from 1 to 1000000' })
  @Min(1)
  @Max(1_000_000)
  RATE_LIMIT_AUTH_FAILURES: number = 20;

  @Setting({ section: 'protections', description: 'The window (s) of `RATE_LIMIT_AUTH_FAILURES`.' })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'RATE_LIMIT_AUTH_WINDOW_S must be an integer number of seconds (1-86400)' })
  @Min(1)
  @Max(86_400)
  RATE_LIMIT_AUTH_WINDOW_S: number = 60;

  @Setting({
    section: 'protections',
    description: 'Uploads one token subject may start per window before it gets 429s.',
  })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'RATE_LIMIT_UPLOADS must be an integer from 1 to 1000000' })
  @Min(1)
  @Max(1_000_000)
  RATE_LIMIT_UPLOADS: number = 30;

  @Setting({ section: 'protections', description: 'The window (s) of `RATE_LIMIT_UPLOADS`.' })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'RATE_LIMIT_UPLOAD_WINDOW_S must be an integer number of seconds (1-86400)' })
  @Min(1)
  @Max(86_400)
  RATE_LIMIT_UPLOAD_WINDOW_S: number = 60;

  @Setting({
    section: 'protections',
    description:
      "Express's `trust proxy`: off by default, so `X-Forwarded-For` cannot pick the client address that auth-failure limits count against. Behind a reverse proxy: its hop count (`1`) or addresses.",
  })
  @IsOptional()
  @Matches(TRUST_PROXY, {
    message:
      'TRUST_PROXY must be false, true, a hop count, or a comma-separated list of addresses, subnets or loopback/linklocal/uniquelocal',
  })
  TRUST_PROXY: string = 'false';

  // --- Observability ----------------------------------------------------------------------

  @Setting({
    section: 'observability',
    description: 'When set, `/metrics` is served on this port only, instead of `PORT`.',
    defaultText: 'unset: `/metrics` on `PORT`',
  })
  @IsOptional()
  @ValidateIf((_o, v) => v !== undefined && v !== '')
  @Transform(toInt)
  @IsInt({ message: 'METRICS_PORT must be a TCP port number (1-65535)' })
  @Min(1)
  @Max(65535)
  METRICS_PORT?: number;

  @Setting({
    section: 'observability',
    description: 'Readiness fails below this much free space (MB) in `DATA_DIR`.',
  })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'HEALTH_MIN_FREE_DISK_MB must be an integer number of megabytes' })
  @Min(0)
  HEALTH_MIN_FREE_DISK_MB: number = 512;

  @Setting({
    section: 'observability',
    description:
      'Free space (MB) in `DATA_DIR` an import must leave, on top of its estimated growth of the database; below it imports are refused with 507 before PostgreSQL runs out of disk.',
    defaultText: '`HEALTH_MIN_FREE_DISK_MB`',
  })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'IMPORT_MIN_FREE_DISK_MB must be an integer number of megabytes' })
  @Min(0)
  IMPORT_MIN_FREE_DISK_MB?: number;
}
