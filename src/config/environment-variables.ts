/**
 * Every environment variable the service reads, with its validation rules. `.env.example`
 * documents the same list; `test/config/env-example.spec.ts` fails if they drift apart.
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

const TRUST_PROXY =
  /^(false|true|\d{1,2}|(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?)(\s*,\s*(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?))*)$/;

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

export class EnvironmentVariables {
  @IsOptional()
  @IsIn(['development', 'production', 'test'])
  NODE_ENV?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'PORT must be a TCP port number (1-65535)' })
  @Min(1)
  @Max(65535)
  PORT?: number;

  @IsOptional()
  @IsString()
  @MinLength(1)
  HOST?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  DATA_DIR?: string;

  /** Unset: an embedded PostgreSQL starts under DATA_DIR. Set: that server is used. */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/[^/]+\/[^/?]+/, {
    message:
      'DATABASE_URL must be a postgres:// URL naming a database (postgres://user:password@host:5432/db)',
  })
  DATABASE_URL?: string;

  /**
   * The same database reached directly, for what needs a session (migrations, backup, restore)
   * when DATABASE_URL goes through a transaction-mode pooler. Unset: DATABASE_URL.
   */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/[^/]+\/[^/?]+/, {
    message:
      'DATABASE_MIGRATION_URL must be a postgres:// URL naming a database (postgres://user:password@host:5432/db)',
  })
  DATABASE_MIGRATION_URL?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'EMBEDDED_PG_PORT must be a TCP port number (1-65535)' })
  @Min(1)
  @Max(65535)
  EMBEDDED_PG_PORT?: number;

  /** Consecutive failed restarts of a dead embedded PostgreSQL before the service exits (1). */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'EMBEDDED_PG_MAX_RESTARTS must be an integer from 0 to 100' })
  @Min(0)
  @Max(100)
  EMBEDDED_PG_MAX_RESTARTS?: number;

  /** The first restart's delay; it doubles with each consecutive failure (at most 30 s). */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'EMBEDDED_PG_RESTART_DELAY_MS must be an integer from 100 to 60000' })
  @Min(100)
  @Max(60_000)
  EMBEDDED_PG_RESTART_DELAY_MS?: number;

  /** Pool connections for requests; imports get 2 × IMPORT_CONCURRENCY more, never one of these. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'DB_POOL_SIZE must be an integer between 1 and 100' })
  @Min(1)
  @Max(100)
  DB_POOL_SIZE?: number;

  /** How long a request waits for a pool connection before it gets a 503 (never a hang). */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'DB_ACQUIRE_TIMEOUT_MS must be an integer number of milliseconds' })
  @Min(100)
  DB_ACQUIRE_TIMEOUT_MS?: number;

  @IsOptional()
  @IsIn(['disable', 'require', 'verify-full'], {
    message: 'DB_SSL must be one of disable, require, verify-full',
  })
  DB_SSL?: string;

  @IsSecretKey()
  ENCRYPTION_KEY!: string;

  /** Which master-key version ENCRYPTION_KEY is; each rotation adds one. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'ENCRYPTION_KEY_VERSION must be a whole number, at least 1' })
  @Min(1, { message: 'ENCRYPTION_KEY_VERSION must be a whole number, at least 1' })
  ENCRYPTION_KEY_VERSION?: number;

  /** Set during a master-key rotation: version ENCRYPTION_KEY_VERSION + 1. */
  @IsOptional()
  @IsSecretKey()
  NEW_ENCRYPTION_KEY?: string;

  @IsSecretKey()
  BLIND_INDEX_KEY!: string;

  /** HS256 key; required only while HS256 is among JWT_ALGORITHMS (the default without a JWKS). */
  @ValidateIf((env: EnvironmentVariables) => needsJwtSecret(env))
  @IsSecretKey()
  JWT_SECRET?: string;

  /** Comma-separated; cross-checked with the keys in src/config/jwt-settings.ts. */
  @IsOptional()
  @IsString()
  JWT_ALGORITHMS?: string;

  /** The identity provider's jwks_uri (fetched, cached, refreshed on an unknown kid). */
  @IsOptional()
  @IsString()
  JWT_JWKS_URL?: string;

  /** A JWKS document on disk, read once at start-up (no identity provider reachable). */
  @IsOptional()
  @IsString()
  JWT_JWKS_FILE?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'JWT_JWKS_TIMEOUT_MS must be an integer number of milliseconds (100-60000)' })
  @Min(100)
  @Max(60_000)
  JWT_JWKS_TIMEOUT_MS?: number;

  /** No refetch sooner than this after a fetch, whatever kid a token names (protects the IdP). */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'JWT_JWKS_COOLDOWN_MS must be an integer number of milliseconds (0-3600000)' })
  @Min(0)
  @Max(3_600_000)
  JWT_JWKS_COOLDOWN_MS?: number;

  /** The key set is refetched once older than this, so a key removed by the IdP stops working. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({
    message: 'JWT_JWKS_MAX_AGE_MS must be an integer number of milliseconds (1000-86400000)',
  })
  @Min(1_000)
  @Max(86_400_000)
  JWT_JWKS_MAX_AGE_MS?: number;

  /** Where the role is found in the token: role, app_metadata.role, realm_access.roles... */
  @IsOptional()
  @IsString()
  JWT_ROLE_CLAIM?: string;

  @IsOptional()
  @IsString()
  JWT_ISSUER?: string;

  @IsOptional()
  @IsString()
  JWT_AUDIENCE?: string;

  /** The longest lifetime the service accepts in a token, whoever signed it. */
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => parseDurationSeconds(value) ?? toInt({ value }))
  @IsInt({ message: 'JWT_MAX_TTL must be a duration like 30m, 24h or 7d (or seconds)' })
  @Min(60, { message: 'JWT_MAX_TTL must be at least 1m' })
  @Max(30 * 86400, { message: 'JWT_MAX_TTL must be at most 30d' })
  JWT_MAX_TTL?: number;

  /** Leeway for `iat` and `nbf` set by an issuer whose clock runs slightly ahead. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'JWT_CLOCK_SKEW_S must be an integer number of seconds from 0 to 300' })
  @Min(0)
  @Max(300)
  JWT_CLOCK_SKEW_S?: number;

  @IsString({ message: 'APP_DB_PASSWORD must be set (the password of the app_user database role)' })
  @MinLength(16, { message: 'APP_DB_PASSWORD must be at least 16 characters' })
  APP_DB_PASSWORD!: string;

  @IsString({
    message: 'GRAFANA_DB_PASSWORD must be set (the password of the grafana database role)',
  })
  @MinLength(16, { message: 'GRAFANA_DB_PASSWORD must be at least 16 characters' })
  GRAFANA_DB_PASSWORD!: string;

  @IsOptional()
  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL?: string;

  /** json: one JSON object per line (for files and collectors); pretty: for a terminal. */
  @IsOptional()
  @IsIn(['json', 'pretty'], { message: 'LOG_FORMAT must be json or pretty' })
  LOG_FORMAT?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'STATEMENT_TIMEOUT_MS must be an integer number of milliseconds' })
  @Min(100)
  STATEMENT_TIMEOUT_MS?: number;

  /** The statement timeout of an expensive read's costly statement (an exact count). */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'EXPENSIVE_READ_TIMEOUT_MS must be an integer from 100 to 600000 (ms)' })
  @Min(100)
  @Max(600_000)
  EXPENSIVE_READ_TIMEOUT_MS?: number;

  /** Expensive reads (exact counts, whole CSV exports) one caller may run at once, per instance. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'EXPENSIVE_READS_PER_CALLER must be an integer from 1 to 100' })
  @Min(1)
  @Max(100)
  EXPENSIVE_READS_PER_CALLER?: number;

  @IsOptional()
  @IsString()
  @MinLength(1)
  IMPORT_DIR?: string;

  @IsOptional()
  @Matches(/^(\S+\s+){4,5}\S+$/, {
    message: 'IMPORT_CRON must be a cron expression (5 or 6 fields)',
  })
  IMPORT_CRON?: string;

  @IsOptional()
  @IsIn(['true', 'false'], { message: 'IMPORT_ON_START must be true or false' })
  IMPORT_ON_START?: string;

  /**
   * How long a file of IMPORT_DIR must keep its size and modification time before the scan
   * imports it (a writer still appending to it must not be caught mid-line); 0 imports at once.
   */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'IMPORT_SETTLE_MS must be an integer number of milliseconds (0-3600000)' })
  @Min(0, { message: 'IMPORT_SETTLE_MS must be at least 0 ms' })
  @Max(3_600_000, { message: 'IMPORT_SETTLE_MS must be at most 3600000 ms (one hour)' })
  IMPORT_SETTLE_MS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'IMPORT_MAX_BYTES must be an integer number of bytes' })
  @Min(1)
  IMPORT_MAX_BYTES?: number;

  /**
   * Whether an import decodes, parses and validates its file in a worker thread (the default),
   * keeping the HTTP event loop free, or on the event loop itself (for comparison).
   */
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'IMPORT_WORKERS must be true or false' })
  IMPORT_WORKERS?: string;

  /** Imports that may run at once in one instance (each holds a pool connection of its own). */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'IMPORT_CONCURRENCY must be an integer between 1 and 16' })
  @Min(1)
  @Max(16)
  IMPORT_CONCURRENCY?: number;

  /** Imports that may wait for their turn in one instance; more get a 503 with Retry-After. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'IMPORT_QUEUE_MAX must be an integer between 0 and 1000' })
  @Min(0)
  @Max(1000)
  IMPORT_QUEUE_MAX?: number;

  /** The longest an import waits for its turn (queue and import lock) before a 503. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'IMPORT_WAIT_TIMEOUT_MS must be an integer number of milliseconds' })
  @Min(100)
  IMPORT_WAIT_TIMEOUT_MS?: number;

  /** An import running longer than this is reported as stuck by readiness. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'IMPORT_MAX_DURATION_MS must be an integer number of milliseconds' })
  @Min(1000)
  IMPORT_MAX_DURATION_MS?: number;

  /** An upload body that sends nothing for this long gets a 408. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'UPLOAD_IDLE_TIMEOUT_MS must be an integer number of milliseconds' })
  @Min(100)
  UPLOAD_IDLE_TIMEOUT_MS?: number;

  /**
   * Where uploads are held while they arrive (DATA_DIR/uploads by default): each instance spools
   * into a 0700 directory of its own there, removed at shutdown and swept after a crash.
   */
  @IsOptional()
  @IsString()
  @MinLength(1)
  UPLOAD_SPOOL_DIR?: string;

  @IsOptional()
  @ValidateIf((_o, v) => v !== undefined && v !== '')
  @Transform(toInt)
  @IsInt({ message: 'METRICS_PORT must be a TCP port number (1-65535)' })
  @Min(1)
  @Max(65535)
  METRICS_PORT?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'HEALTH_MIN_FREE_DISK_MB must be an integer number of megabytes' })
  @Min(0)
  HEALTH_MIN_FREE_DISK_MB?: number;

  /**
   * Free space in DATA_DIR an import must leave, on top of its estimated growth of the
   * database; below it imports are refused with 507 before PostgreSQL runs out of disk.
   */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'IMPORT_MIN_FREE_DISK_MB must be an integer number of megabytes' })
  @Min(0)
  IMPORT_MIN_FREE_DISK_MB?: number;

  /** Failed authentications one client address may make per window before it gets 429s. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'RATE_LIMIT_AUTH_FAILURES must be an integer from 1 to 1000000' })
  @Min(1)
  @Max(1_000_000)
  RATE_LIMIT_AUTH_FAILURES?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'RATE_LIMIT_AUTH_WINDOW_S must be an integer number of seconds (1-86400)' })
  @Min(1)
  @Max(86_400)
  RATE_LIMIT_AUTH_WINDOW_S?: number;

  /** Uploads one token subject may start per window before it gets 429s. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'RATE_LIMIT_UPLOADS must be an integer from 1 to 1000000' })
  @Min(1)
  @Max(1_000_000)
  RATE_LIMIT_UPLOADS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'RATE_LIMIT_UPLOAD_WINDOW_S must be an integer number of seconds (1-86400)' })
  @Min(1)
  @Max(86_400)
  RATE_LIMIT_UPLOAD_WINDOW_S?: number;

  /** Import runs (and their rejected rows) older than this many days are purged. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'RETENTION_DAYS_IMPORT_HISTORY must be an integer number of days (1-3650)' })
  @Min(1, { message: 'RETENTION_DAYS_IMPORT_HISTORY must be at least 1 day' })
  @Max(3650, { message: 'RETENTION_DAYS_IMPORT_HISTORY must be at most 3650 days' })
  RETENTION_DAYS_IMPORT_HISTORY?: number;

  /**
   * Audit rows older than this many days are purged. Never below AUDIT_RETENTION_MIN_DAYS: the
   * audit trail is the controller's evidence of who read personal data (see the README).
   */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'RETENTION_DAYS_AUDIT must be an integer number of days' })
  @Min(AUDIT_RETENTION_MIN_DAYS, {
    message: `RETENTION_DAYS_AUDIT must be at least ${AUDIT_RETENTION_MIN_DAYS} days (the legal minimum for the audit trail of personal data access; see README "GDPR operations")`,
  })
  @Max(3650, { message: 'RETENTION_DAYS_AUDIT must be at most 3650 days' })
  RETENTION_DAYS_AUDIT?: number;

  /**
   * Clients with no purchase for this many days (and signed up before then) are erased, through
   * the erasure path. Off when unset: erasing customers is the controller's decision.
   */
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

  @IsOptional()
  @Matches(/^(\S+\s+){4,5}\S+$/, {
    message: 'RETENTION_CRON must be a cron expression (5 or 6 fields)',
  })
  RETENTION_CRON?: string;

  /** Rows one purge statement deletes at most: short statements, short row locks. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'RETENTION_BATCH_ROWS must be an integer between 1 and 100000' })
  @Min(1)
  @Max(100_000)
  RETENTION_BATCH_ROWS?: number;

  /**
   * Express's `trust proxy`: off by default, so X-Forwarded-For cannot pick the client address
   * that auth-failure limits count against. Behind a proxy: its hop count or addresses.
   */
  @IsOptional()
  @Matches(TRUST_PROXY, {
    message:
      'TRUST_PROXY must be false, true, a hop count, or a comma-separated list of addresses, subnets or loopback/linklocal/uniquelocal',
  })
  TRUST_PROXY?: string;
}
