/**
 * `npm run migration:run`: applies pending migrations to the configured database (DATABASE_URL,
 * or the embedded one under DATA_DIR: the one `npm start` runs if it is running, else one started
 * for the occasion and stopped afterwards), checks the configured keys against it (enrolling
 * them on a first run, as the service does), then exits.
 * Takes no arguments. Exit codes (src/cli/cli-usage.ts): 0 up to date, 1 failed, 2 usage error.
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { exitCodeFor, onShutdownSignal } from '../common/shutdown-signals';
import { verifyDatabaseKeys } from '../database/database-key-check';
import { migrateDatabase } from '../database/database-migrator';
import { prepareRuntime } from '../database/runtime-environment';
import { parseCommandLine, runCli } from './cli-usage';

const CLI = {
  name: 'migration:run',
  usage: `usage: npm run migration:run
  applies pending migrations to DATABASE_URL (or the embedded database under DATA_DIR)`,
};

async function main(): Promise<void> {
  parseCommandLine(process.argv.slice(2), {});
  const logger = new Logger('Migrate');
  const { config, embedded } = await prepareRuntime(process.env, logger, { sharing: 'join' });
  onShutdownSignal(
    async (signal) => {
      await embedded?.stop();
      process.exit(exitCodeFor(signal));
    },
    (message) => logger.warn(message),
  );
  try {
    const applied = await migrateDatabase(config);
    logger.log(
      applied.length
        ? `Applied: ${applied.join(', ')}`
        : 'Nothing to apply: the schema is up to date',
    );
    await verifyDatabaseKeys(config, logger);
  } finally {
    await embedded?.stop();
  }
}

runCli(CLI, main);
