/**
 * The benchmark's database: its own embedded PostgreSQL under bench-data/ (or DATABASE_URL when
 * set), migrated like the service does it at start-up.
 */
import { Logger } from '@nestjs/common';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { AppConfig } from '../src/config/app-config';
import { verifyDatabaseKeys } from '../src/database/database-key-check';
import { migrateDatabase } from '../src/database/database-migrator';
import { EmbeddedDatabase } from '../src/database/embedded-database';
import { prepareRuntime } from '../src/database/runtime-environment';

export const BENCH_WORK_DIR = resolve('bench-data');

export interface BenchDatabase {
  config: AppConfig;
  embedded?: EmbeddedDatabase;
  connectAsOwner: () => Promise<Client>;
}

export async function startBenchDatabase(name: string, port: number): Promise<BenchDatabase> {
  // Traversable: as root, PostgreSQL runs as an unprivileged user that must reach its cluster.
  await mkdir(BENCH_WORK_DIR, { recursive: true, mode: 0o755 });
  const { config, embedded } = await prepareRuntime(
    {
      EMBEDDED_PG_PORT: String(port),
      ...process.env,
      DATA_DIR: process.env.DATABASE_URL ? process.env.DATA_DIR : resolve(BENCH_WORK_DIR, name),
      LOG_LEVEL: 'warn',
    },
    new Logger('Bench'),
  );
  try {
    await migrateDatabase(config);
    await verifyDatabaseKeys(config);
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
  const connectAsOwner = async () => {
    const client = new Client({ connectionString: config.databaseUrl });
    await client.connect();
    return client;
  };
  return { config, embedded, connectAsOwner };
}
