/**
 * `npm run db:restore -- FILE`: loads a `db:backup` file into a fresh database (a new, empty
 * DATA_DIR, with the secrets of the backed-up one), after migrating it with this code. The
 * stored bytes are loaded as they are, triggers off: no value is decrypted or re-sealed and the
 * key is never used (src/database/backup/logical-backup.ts). Needs a superuser owner (the
 * embedded server's); for your own server, use pg_dump and pg_restore (docs/operations.md).
 * Exit codes (src/cli/cli-usage.ts): 0 restored, 1 failed (nothing restored), 2 usage error.
 */
import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { restoreDatabase } from '../database/backup/logical-backup';
import { migrateDatabase } from '../database/database-migrator';
import { prepareRuntime } from '../database/runtime-environment';
import { sslOptions } from '../database/ssl-options';
import { MissingInputError, parseCommandLine, runCli } from './cli-usage';

const CLI = {
  name: 'db:restore',
  usage: `usage: npm run db:restore -- <file>
  migrates a fresh database and loads a db:backup <file> into it (refused if it holds data)`,
};

async function main(): Promise<void> {
  const { positionals } = parseCommandLine(process.argv.slice(2), {}, { min: 1, max: 1 });
  const file = positionals[0];
  if (!existsSync(file)) throw new MissingInputError(file);
  const logger = new Logger('Restore');
  const { config, embedded } = await prepareRuntime(process.env, logger, { sharing: 'join' });
  try {
    // Without the key: a fresh database has nothing for a migration to convert.
    await migrateDatabase({
      databaseUrl: config.databaseMigrationUrl,
      dbSsl: config.dbSsl,
      appDbPassword: config.appDbPassword,
      grafanaDbPassword: config.grafanaDbPassword,
    });
    const client = new Client({
      // Direct, not through a transaction-mode pooler (DATABASE_MIGRATION_URL when set).
      connectionString: config.databaseMigrationUrl,
      ssl: sslOptions(config.dbSsl),
    });
    await client.connect();
    try {
      const done = await restoreDatabase(client, file);
      logger.log(
        `Restored ${done.rows} row(s) of ${done.tables} table(s) from ${file}; start the service with the backed-up database's ENCRYPTION_KEY and BLIND_INDEX_KEY`,
      );
    } finally {
      await client.end();
    }
  } finally {
    await embedded?.stop();
  }
}

runCli(CLI, main);
