/**
 * Decides where the database is before anything else starts: the server in DATABASE_URL, or an
 * embedded PostgreSQL under DATA_DIR with generated secrets. Returns the validated configuration.
 */
import { Logger } from '@nestjs/common';
import { resolve } from 'node:path';
import { AppConfig, Environment, loadConfig } from '../config/app-config';
import { EmbeddedDatabase } from './embedded-database';
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

/**
 * Resolves the validated configuration (generating embedded-mode secrets on first use) without
 * starting anything: `npm run token` needs the JWT secret, not a database.
 */
export function resolveRuntimeConfig(
  env: Environment,
  logger: Pick<Logger, 'log'>,
): ResolvedRuntime {
  if (env.DATABASE_URL) return { config: loadConfig(env, { embedded: false }) };

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
  });
  const merged: Environment = { ...secrets, DATABASE_URL: embedded.url, ...definedOnly(env) };
  return { config: loadConfig(merged, { embedded: true }), embedded };
}

/** `onConfig` runs once the configuration is valid, before anything starts (main.ts sets up
 * its logger there). */
export async function prepareRuntime(
  env: Environment,
  logger: Logger,
  onConfig?: (config: AppConfig) => Promise<void>,
): Promise<RuntimeEnvironment> {
  // Validate before starting PostgreSQL: a bad variable should not cost a database start.
  const { config, embedded } = resolveRuntimeConfig(env, logger);
  await onConfig?.(config);
  if (!embedded) return { config };
  logger.log(
    `Starting embedded PostgreSQL in ${embedded.clusterDir} on ${new URL(config.databaseUrl).host}`,
  );
  await embedded.start();
  return { config, embedded };
}

function definedOnly(env: Environment): Environment {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
}
