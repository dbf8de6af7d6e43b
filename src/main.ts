/**
 * `npm start`: resolve the database (embedded or DATABASE_URL), migrate it, serve HTTP.
 *
 * On SIGINT, SIGTERM or SIGHUP: imports in progress are rolled back and recorded as interrupted
 * rather than waited for (TransactionInterrupter, run by app.close()), HTTP and the pool close,
 * then an embedded PostgreSQL stops with a fast shutdown, leaving no server and no
 * postmaster.pid behind. Each step is bounded, so the process always exits.
 *
 * An embedded PostgreSQL that dies on its own is restarted (EmbeddedDatabase.supervise); when
 * restarting keeps failing, the service shuts down the same way and exits 1, for the process
 * supervisor to restart it.
 */
import 'reflect-metadata';
import { INestApplication, Logger } from '@nestjs/common';
import { TimeoutError, withTimeout } from './common/with-timeout';
import { ConfigurationError } from './config/app-config';
import { onShutdownSignal } from './common/shutdown-signals';
import { redactUrl } from './database/connection-url';
import { verifyDatabaseKeys } from './database/database-key-check';
import { migrateDatabase } from './database/database-migrator';
import { EmbeddedDatabaseError } from './database/embedded-database';
import { prepareRuntime } from './database/runtime-environment';
import { createHttpApplication } from './http-application';
import { installProcessLogger } from './logging/process-logger';

const logger = new Logger('Bootstrap');

/** Past this, the database is stopped anyway (a stalled upload must not keep it running). */
const APP_CLOSE_TIMEOUT_MS = 15_000;

let shuttingDown = false;

async function main(): Promise<void> {
  // Lines logged before the configuration is read wait for the logger (LOG_FORMAT) it asks for.
  Logger.attachBuffer();
  let root: Awaited<ReturnType<typeof installProcessLogger>> | undefined;
  const { config, embedded } = await prepareRuntime(process.env, logger, {
    onConfig: async (valid) => {
      root = await installProcessLogger(valid);
    },
  });
  let app: INestApplication | undefined;
  const shutDown = async (exitCode: number) => {
    shuttingDown = true;
    if (app) await closeWithin(app, APP_CLOSE_TIMEOUT_MS, logger);
    await embedded?.stop();
    logger.log('Stopped');
    process.exit(exitCode);
  };
  // Installed before migrating: a signal during start-up must stop the embedded server too.
  onShutdownSignal(
    async (signal) => {
      logger.log(`${signal} received, shutting down`);
      await shutDown(0);
    },
    (message) => logger.warn(message),
  );
  embedded?.supervise({
    maxRestarts: config.embeddedPgMaxRestarts,
    firstDelayMs: config.embeddedPgRestartDelayMs,
    onGiveUp: () => void shutDown(1),
  });
  try {
    logger.log(`Database: ${redactUrl(config.databaseUrl)}${embedded ? ' (embedded)' : ''}`);
    const applied = await migrateDatabase(config);
    logger.log(
      applied.length ? `Applied migrations: ${applied.join(', ')}` : 'Schema is up to date',
    );
    await verifyDatabaseKeys(config, logger);
    app = await createHttpApplication(config, root, embedded?.serverStatus);
    await app.listen(config.port, config.host);
    logger.log(
      `SmartRetail listening on http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`,
    );
  } catch (error) {
    if (!shuttingDown) await embedded?.stop();
    throw error;
  }
}

async function closeWithin(
  app: INestApplication,
  timeoutMs: number,
  logger: Logger,
): Promise<void> {
  // Whatever happens here, the database must still be stopped afterwards.
  await withTimeout(app.close(), timeoutMs).catch((error: unknown) =>
    error instanceof TimeoutError
      ? logger.warn(`HTTP did not close within ${timeoutMs / 1000}s; stopping the database anyway`)
      : logger.error(
          `Closing HTTP failed: ${error instanceof Error ? error.message : String(error)}`,
        ),
  );
}

main().catch((error: unknown) => {
  // A start-up step cut short by a signal fails; the shutdown handler exits on its own.
  if (shuttingDown) return;
  if (error instanceof ConfigurationError) {
    // No configuration, so no logger: the problems go to stderr as plain text.
    Logger.flush();
    console.error(error.message);
  } else if (error instanceof EmbeddedDatabaseError) {
    console.error(`SmartRetail cannot start: ${error.message}`);
  } else {
    logger.fatal(
      `SmartRetail failed to start: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  process.exit(1);
});
