/**
 * The one validated configuration. Built once at boot from the environment (plus, in embedded
 * mode, the generated secrets); feature code receives it by injection and never reads
 * process.env.
 */
import { plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';
import { join, resolve } from 'node:path';
import { EnvironmentVariables } from './environment-variables';
import {
  isHmacAlgorithm,
  JwksSource,
  jwksSource,
  jwtSettingsProblems,
  parseAlgorithms,
  parseClaimPath,
  TokenAlgorithm,
} from './jwt-settings';
import { decodeSecret } from './secret-key.validator';

export type Environment = Record<string, string | undefined>;

export class ConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment variables:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigurationError';
  }
}

export interface RateLimits {
  authFailures: number;
  authWindowSeconds: number;
  uploads: number;
  uploadWindowSeconds: number;
}

export interface RetentionSettings {
  importHistoryDays: number;
  auditDays: number;
  /** Erase clients without a purchase for this long; undefined: never. */
  inactiveClientDays: number | undefined;
  /** When the purge runs (6 fields, seconds first). */
  cron: string;
  batchRows: number;
}

function trustProxyValue(raw: string): boolean | number | string {
  if (raw === 'true' || raw === 'false') return raw === 'true';
  return /^\d+$/.test(raw) ? Number(raw) : raw;
}

export class AppConfig {
  readonly nodeEnv: string;
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** The owner/migrator connection; the service's own pool logs in as app_user. */
  readonly databaseUrl: string;
  /** DATABASE_MIGRATION_URL as given; see databaseMigrationUrl. */
  readonly explicitMigrationUrl?: string;
  /**
   * The owner's direct connection, for session-level work (migrations, backup, restore):
   * DATABASE_MIGRATION_URL, or databaseUrl. The service itself needs no session state.
   * Derived, not stored: a copy of the configuration pointed at another database (a scratch
   * database, a restore target) migrates that database, not the one it was copied from.
   */
  get databaseMigrationUrl(): string {
    return this.explicitMigrationUrl ?? this.databaseUrl;
  }
  /** True when the database is the embedded one started by this process. */
  readonly embedded: boolean;
  readonly dbPoolSize: number;
  readonly dbAcquireTimeoutMs: number;
  readonly dbSsl: 'disable' | 'require' | 'verify-full';
  /** AES key as canonical lower-case hex: the same bytes always give the same passphrase. */
  readonly encryptionKey: string;
  /** The master-key version of encryptionKey (ENCRYPTION_KEY_VERSION, default 1). */
  readonly encryptionKeyVersion: number;
  /** During a rotation: the next master key (version encryptionKeyVersion + 1), canonical hex. */
  readonly newEncryptionKey?: string;
  readonly blindIndexKey: string;
  /** Only when HS256 is allowed. */
  readonly jwtSecret?: string;
  readonly jwtAlgorithms: TokenAlgorithm[];
  readonly jwtJwks?: JwksSource;
  /** The claim path of the role, as segments (JWT_ROLE_CLAIM, `role` by default). */
  readonly jwtRoleClaim: string[];
  readonly jwtIssuer?: string;
  readonly jwtAudience?: string;
  readonly jwtMaxTtlSeconds: number;
  readonly jwtClockSkewSeconds: number;
  readonly appDbPassword: string;
  readonly grafanaDbPassword: string;
  readonly logLevel: string;
  readonly logFormat: 'json' | 'pretty';
  readonly statementTimeoutMs: number;
  readonly expensiveReadTimeoutMs: number;
  readonly expensiveReadsPerCaller: number;
  readonly importDir: string;
  readonly importCron: string;
  readonly importOnStart: boolean;
  readonly importSettleMs: number;
  readonly importMaxBytes: number;
  readonly importConcurrency: number;
  /** Decode, parse and validate imported files in worker threads (IMPORT_WORKERS). */
  readonly importWorkers: boolean;
  readonly importQueueMax: number;
  readonly importWaitTimeoutMs: number;
  readonly importMaxDurationMs: number;
  readonly uploadIdleTimeoutMs: number;
  /** The directory under which each instance spools the uploads it is receiving. */
  readonly uploadSpoolDir: string;
  readonly metricsPort?: number;
  readonly healthMinFreeDiskMb: number;
  readonly importMinFreeDiskMb: number;
  readonly embeddedPgMaxRestarts: number;
  readonly embeddedPgRestartDelayMs: number;
  readonly rateLimits: RateLimits;
  readonly retention: RetentionSettings;
  /** Express `trust proxy` value: false, true, a hop count or a list of addresses. */
  readonly trustProxy: boolean | number | string;

  constructor(env: EnvironmentVariables, embedded: boolean) {
    this.nodeEnv = env.NODE_ENV;
    this.port = env.PORT;
    this.host = env.HOST;
    this.dataDir = resolve(env.DATA_DIR);
    this.databaseUrl = env.DATABASE_URL!;
    this.explicitMigrationUrl = env.DATABASE_MIGRATION_URL;
    this.embedded = embedded;
    this.dbPoolSize = env.DB_POOL_SIZE;
    this.dbAcquireTimeoutMs = env.DB_ACQUIRE_TIMEOUT_MS;
    this.dbSsl = env.DB_SSL as AppConfig['dbSsl'];
    this.encryptionKey = decodeSecret(env.ENCRYPTION_KEY)!.toString('hex');
    this.encryptionKeyVersion = env.ENCRYPTION_KEY_VERSION;
    this.newEncryptionKey = env.NEW_ENCRYPTION_KEY
      ? decodeSecret(env.NEW_ENCRYPTION_KEY)!.toString('hex')
      : undefined;
    this.blindIndexKey = decodeSecret(env.BLIND_INDEX_KEY)!.toString('hex');
    this.jwtAlgorithms = parseAlgorithms(
      env.JWT_ALGORITHMS,
      !!(env.JWT_JWKS_URL || env.JWT_JWKS_FILE),
    );
    // A secret that no allowed algorithm uses is dropped, so nothing can verify with it.
    this.jwtSecret = this.jwtAlgorithms.some(isHmacAlgorithm) ? env.JWT_SECRET : undefined;
    this.jwtJwks = jwksSource(env);
    this.jwtRoleClaim = parseClaimPath(env.JWT_ROLE_CLAIM)!;
    this.jwtIssuer = env.JWT_ISSUER || undefined;
    this.jwtAudience = env.JWT_AUDIENCE || undefined;
    this.jwtMaxTtlSeconds = env.JWT_MAX_TTL;
    this.jwtClockSkewSeconds = env.JWT_CLOCK_SKEW_S;
    this.appDbPassword = env.APP_DB_PASSWORD;
    this.grafanaDbPassword = env.GRAFANA_DB_PASSWORD;
    this.logLevel = env.LOG_LEVEL;
    // Pretty only for a person at a terminal: redirected to a file or a collector, stdout gets
    // JSON lines (and so never ANSI colour codes).
    this.logFormat =
      (env.LOG_FORMAT as AppConfig['logFormat'] | undefined) ??
      (process.stdout.isTTY ? 'pretty' : 'json');
    this.statementTimeoutMs = env.STATEMENT_TIMEOUT_MS;
    // An exact count of 600,000 clients takes well under a second once it opens no value; one
    // that needs more is better answered "ask for an estimate" than allowed to hold a connection.
    this.expensiveReadTimeoutMs = env.EXPENSIVE_READ_TIMEOUT_MS;
    // Two at a time per caller: a dashboard's count beside an export, never a pool's worth.
    this.expensiveReadsPerCaller = env.EXPENSIVE_READS_PER_CALLER;
    this.importDir = resolve(env.IMPORT_DIR);
    this.importCron = env.IMPORT_CRON;
    this.importOnStart = env.IMPORT_ON_START === 'true';
    // The scan runs every 2 minutes: 30 s costs little latency and outlasts a writer's pause.
    this.importSettleMs = env.IMPORT_SETTLE_MS;
    this.importMaxBytes = env.IMPORT_MAX_BYTES;
    // Each import gets a connection beyond DB_POOL_SIZE (DatabaseModule); at most 2 by default,
    // and no more than half the request pool: a bounded share of the database's CPU as well.
    this.importConcurrency =
      env.IMPORT_CONCURRENCY ?? Math.max(1, Math.min(2, this.dbPoolSize >> 1));
    this.importWorkers = env.IMPORT_WORKERS === 'true';
    this.importQueueMax = env.IMPORT_QUEUE_MAX;
    this.importWaitTimeoutMs = env.IMPORT_WAIT_TIMEOUT_MS;
    this.importMaxDurationMs = env.IMPORT_MAX_DURATION_MS;
    this.uploadIdleTimeoutMs = env.UPLOAD_IDLE_TIMEOUT_MS;
    // Under DATA_DIR, not os.tmpdir(): personal data stays in the one directory the operator
    // already protects, backs up and deletes, instead of a folder every user of the host shares.
    this.uploadSpoolDir = resolve(env.UPLOAD_SPOOL_DIR ?? join(this.dataDir, 'uploads'));
    this.metricsPort = env.METRICS_PORT || undefined;
    this.healthMinFreeDiskMb = env.HEALTH_MIN_FREE_DISK_MB;
    // Imports stop at the same level readiness fails at, unless told otherwise.
    this.importMinFreeDiskMb = env.IMPORT_MIN_FREE_DISK_MB ?? this.healthMinFreeDiskMb;
    this.embeddedPgMaxRestarts = env.EMBEDDED_PG_MAX_RESTARTS;
    this.embeddedPgRestartDelayMs = env.EMBEDDED_PG_RESTART_DELAY_MS;
    this.rateLimits = {
      authFailures: env.RATE_LIMIT_AUTH_FAILURES,
      authWindowSeconds: env.RATE_LIMIT_AUTH_WINDOW_S,
      uploads: env.RATE_LIMIT_UPLOADS,
      uploadWindowSeconds: env.RATE_LIMIT_UPLOAD_WINDOW_S,
    };
    this.retention = {
      importHistoryDays: env.RETENTION_DAYS_IMPORT_HISTORY,
      auditDays: env.RETENTION_DAYS_AUDIT,
      inactiveClientDays: env.RETENTION_DAYS_INACTIVE_CLIENTS,
      cron: env.RETENTION_CRON,
      batchRows: env.RETENTION_BATCH_ROWS,
    };
    this.trustProxy = trustProxyValue(env.TRUST_PROXY);
  }
}

function describe(errors: ValidationError[]): string[] {
  return errors.flatMap((e) =>
    Object.values(e.constraints ?? { invalid: `${e.property} is invalid` }).map((m) =>
      m.startsWith(e.property) ? m : `${e.property}: ${m}`,
    ),
  );
}

/**
 * Validates the environment and returns the typed configuration, or throws a
 * ConfigurationError naming every bad variable and what is expected. Messages never contain
 * the values given (they may be secrets).
 */
export function loadConfig(env: Environment, options: { embedded: boolean }): AppConfig {
  const defined = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = plainToInstance(EnvironmentVariables, defined);
  const problems = describe(validateSync(parsed, { skipMissingProperties: false }));
  if (!options.embedded && !parsed.DATABASE_URL) {
    problems.unshift('DATABASE_URL is required outside embedded mode');
  }
  if (options.embedded && parsed.DATABASE_MIGRATION_URL) {
    problems.push(
      'DATABASE_MIGRATION_URL needs DATABASE_URL (the embedded database is always reached directly)',
    );
  }
  if (
    !problems.length &&
    decodeSecret(parsed.ENCRYPTION_KEY)!.equals(decodeSecret(parsed.BLIND_INDEX_KEY)!)
  ) {
    problems.push('BLIND_INDEX_KEY must differ from ENCRYPTION_KEY');
  }
  if (!problems.length && parsed.NEW_ENCRYPTION_KEY) {
    const next = decodeSecret(parsed.NEW_ENCRYPTION_KEY)!;
    if (next.equals(decodeSecret(parsed.ENCRYPTION_KEY)!))
      problems.push('NEW_ENCRYPTION_KEY must differ from ENCRYPTION_KEY');
    if (next.equals(decodeSecret(parsed.BLIND_INDEX_KEY)!))
      problems.push('NEW_ENCRYPTION_KEY must differ from BLIND_INDEX_KEY');
  }
  const pool = parsed.DB_POOL_SIZE;
  if (!problems.length && parsed.IMPORT_CONCURRENCY !== undefined && pool > 1) {
    if (parsed.IMPORT_CONCURRENCY > pool >> 1)
      problems.push(
        `IMPORT_CONCURRENCY must be at most half of DB_POOL_SIZE (${pool >> 1}), so reads keep connections while imports run`,
      );
  }
  problems.push(...jwtSettingsProblems(parsed));
  if (problems.length) throw new ConfigurationError(problems);
  return new AppConfig(parsed, options.embedded);
}
