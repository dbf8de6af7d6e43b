/**
 * `npm run db:backup -- FILE`: a consistent logical backup of the database (every table's rows
 * in one snapshot, src/database/backup/logical-backup.ts), for the embedded server, which ships
 * no pg_dump. Beside a running `npm start` it uses that server. Nothing is decrypted: the file
 * holds ciphertext and wrapped keys, never a key; keep the secrets apart from it.
 * Exit codes (src/cli/cli-usage.ts): 0 written, 1 failed, 2 usage error.
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { backupDatabase } from '../database/backup/logical-backup';
import { prepareRuntime } from '../database/runtime-environment';
import { sslOptions } from '../database/ssl-options';
import { parseCommandLine, runCli } from './cli-usage';

const CLI = {
  name: 'db:backup',
  usage: `usage: npm run db:backup -- <file>
  writes every table's rows, in one snapshot, to <file> (created, mode 0600; never overwritten)`,
};

async function main(): Promise<void> {
  const { positionals } = parseCommandLine(process.argv.slice(2), {}, { min: 1, max: 1 });
  const logger = new Logger('Backup');
  const { config, embedded } = await prepareRuntime(process.env, logger, { sharing: 'join' });
  const client = new Client({
    // Direct, not through a transaction-mode pooler (DATABASE_MIGRATION_URL when set).
    connectionString: config.databaseMigrationUrl,
    ssl: sslOptions(config.dbSsl),
  });
  try {
    await client.connect();
    const done = await backupDatabase(client, positionals[0]);
    logger.log(`Backed up ${done.rows} row(s) of ${done.tables} table(s) to ${positionals[0]}`);
  } finally {
    await client.end();
    await embedded?.stop();
  }
}

runCli(CLI, main);
