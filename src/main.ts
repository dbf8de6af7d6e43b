/**
 * `npm start`: resolve the database (embedded or DATABASE_URL), migrate it, serve HTTP, and on
 * SIGINT/SIGTERM close HTTP and the pool before stopping an embedded PostgreSQL.
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigurationError } from './config/app-config';
import { redactUrl } from './database/connection-url';
import { verifyDatabaseKeys } from './database/database-key-check';
import { migrateDatabase } from './database/database-migrator';
import { prepareRuntime } from './database/runtime-environment';
import { createHttpApplication } from './http-application';
import { installProcessLogger } from './logging/process-logger';

const logger = new Logger('Bootstrap');

async function main(): Promise<void> {
  // Lines logged before the configuration is read wait for the logger (LOG_FORMAT) it asks for.
  Logger.attachBuffer();
  let root: Awaited<ReturnType<typeof installProcessLogger>> | undefined;
  const { config, embedded } = await prepareRuntime(process.env, logger, async (valid) => {
    root = await installProcessLogger(valid);
  });
  let stopping = false;
  const stop = async (signal: string, app?: { close(): Promise<void> }): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal} received, shutting down`);
    await app?.close();
    await embedded?.stop();
    logger.log('Stopped');
    process.exit(0);
  };
  try {
    logger.log(`Database: ${redactUrl(config.databaseUrl)}${embedded ? ' (embedded)' : ''}`);
    const applied = await migrateDatabase(
      config.databaseUrl,
      { app_user: config.appDbPassword, grafana: config.grafanaDbPassword },
      config.dbSsl,
    );
    logger.log(
      applied.length ? `Applied migrations: ${applied.join(', ')}` : 'Schema is up to date',
    );
    await verifyDatabaseKeys(config, logger);
    const app = await createHttpApplication(config, root);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => void stop(signal, app));
    }
    await app.listen(config.port, config.host);
    logger.log(
      `SmartRetail listening on http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`,
    );
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigurationError) {
    // No configuration, so no logger: the problems go to stderr as plain text.
    Logger.flush();
    console.error(error.message);
  } else {
    logger.fatal(
      `SmartRetail failed to start: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  process.exit(1);
});
