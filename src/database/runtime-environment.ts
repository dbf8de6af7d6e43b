/**
 * Decides where the database is before anything else starts: the server in DATABASE_URL, or an
 * embedded PostgreSQL under DATA_DIR with generated secrets. Returns the validated configuration.
 */
import { Logger } from '@nestjs/common';
import { resolve } from 'node:path';
import { AppConfig, Environment, loadConfig } from '../config/app-config';
import { ClusterSharing, EmbeddedDatabase } from './embedded-database';
import { loadOrCreateSecrets, secretsFilePath } from './generated-secrets';

export interface RuntimeEnvironment {
  config: AppConfig;
  embedded?: EmbeddedDatabase;
}

export const DEFAULT_EMBEDDED_PG_PORT = 54320;

export interface ResolvedRuntime {
  config: AppConfig;
  /** The embedded database this configuration points at, not started yet. */
  embedded?: EmbeddedDatabase;
}

export interface RuntimeOptions {
  /**
   * 'join' for commands that may run beside `npm start` (the CLIs): they use its embedded
   * PostgreSQL instead of failing on the locked data directory. Default 'exclusive'.
   */
  sharing?: ClusterSharing;
  /** Runs once the configuration is valid, before anything starts (main.ts sets up its logger). */
  onConfig?: (config: AppConfig) => Promise<void>;
}

/**
 * Resolves the validated configuration (generating embedded-mode secrets on first use) without
 * starting anything: `npm run token` needs the JWT secret, not a database.
 */
export function resolveRuntimeConfig(
  env: Environment,
  logger: RuntimeLogger,
  options: RuntimeOptions = {},
): ResolvedRuntime {
  const { config, embedded } = resolveRuntime(env, logger, options);
  return { config, embedded };
}

export async function prepareRuntime(
  env: Environment,
  logger: RuntimeLogger,
  options: RuntimeOptions = {},
): Promise<RuntimeEnvironment> {
  // Validate before starting PostgreSQL: a bad variable should not cost a database start.
  const { config, embedded, secrets } = resolveRuntime(env, logger, options);
  await options.onConfig?.(config);
  if (!embedded) return { config };
  await embedded.start();
  // A joined server listens where its owner started it, whatever EMBEDDED_PG_PORT says here.
  if (embedded.url === config.databaseUrl) return { config, embedded };
  return { config: embeddedConfig(env, secrets, embedded), embedded };
}

type RuntimeLogger = Pick<Logger, 'log'> & Partial<Pick<Logger, 'warn' | 'error'>>;

function resolveRuntime(
  env: Environment,
  logger: RuntimeLogger,
  options: RuntimeOptions,
): ResolvedRuntime & { secrets: Environment } {
  if (env.DATABASE_URL) return { config: loadConfig(env, { embedded: false }), secrets: {} };

  const dataDir = resolve(env.DATA_DIR || '.data');
  const { secrets, created } = loadOrCreateSecrets(dataDir);
  logger.log(
    `${created ? 'Generated' : 'Using'} embedded-mode secrets in ${secretsFilePath(dataDir)} (mode 0600)`,
  );
  const port = Number(env.EMBEDDED_PG_PORT || DEFAULT_EMBEDDED_PG_PORT);
  const embedded = new EmbeddedDatabase({
    dataDir,
    port,
    password: env.POSTGRES_PASSWORD || secrets.POSTGRES_PASSWORD,
    database: 'smartretail',
    sharing: options.sharing,
    logger: {
      log: (message) => logger.log(message),
      warn: (message) => (logger.warn ? logger.warn(message) : logger.log(message)),
      error: (message) => (logger.error ? logger.error(message) : logger.log(message)),
    },
  });
  return { config: embeddedConfig(env, secrets, embedded), embedded, secrets };
}

function embeddedConfig(
  env: Environment,
  secrets: Environment,
  embedded: EmbeddedDatabase,
): AppConfig {
  const merged: Environment = { ...secrets, DATABASE_URL: embedded.url, ...definedOnly(env) };
  return loadConfig(merged, { embedded: true });
}

function definedOnly(env: Environment): Environment {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
}
