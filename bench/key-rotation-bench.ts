/**
 * rotate_200k_clients_s: `keys:rotate`'s own loop (MasterKeyRotation) re-wrapping 200,000 data
 * keys under a fresh master key. It runs in a scratch database on the bench's server, dropped
 * afterwards: a rotation moves the database to a new master key for good, and the bench
 * database must keep the configured one for its next run. Only smartretail.client_keys is
 * touched by a rotation, so the scratch database holds 200,000 data keys, created as the
 * importer creates them (wrapped under the configured master key, version 1).
 */
import { openSingleConnectionTransactions } from '../src/database/single-connection-transactions';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { AppConfig } from '../src/config/app-config';
import { verifyDatabaseKeys } from '../src/database/database-key-check';
import { migrateDatabase } from '../src/database/database-migrator';
import { MasterKeyRotation } from '../src/keys/master-key-rotation';
import { BenchContext, BenchFigures, BenchPart, timed } from './bench-context';

const KEYS = 200_000;
const SCRATCH = 'smartretail_bench_rotation';

const withOverrides = (config: AppConfig, overrides: Partial<AppConfig>): AppConfig =>
  Object.assign(Object.create(AppConfig.prototype) as AppConfig, config, overrides);

async function withScratchDatabase<T>(
  context: BenchContext,
  work: (url: string) => Promise<T>,
): Promise<T> {
  const owner = await context.connectAsOwner();
  try {
    await owner.query(`DROP DATABASE IF EXISTS ${SCRATCH} WITH (FORCE)`);
    await owner.query(`CREATE DATABASE ${SCRATCH}`);
    const url = new URL(context.config.databaseUrl);
    url.pathname = `/${SCRATCH}`;
    return await work(url.toString());
  } finally {
    await owner.query(`DROP DATABASE IF EXISTS ${SCRATCH} WITH (FORCE)`);
    await owner.end();
  }
}

async function createDataKeys(url: string, config: AppConfig): Promise<void> {
  const owner = new Client({ connectionString: url });
  await owner.connect();
  try {
    await owner.query('BEGIN');
    await owner.query(`SELECT set_config('smartretail.encryption_key', $1, true)`, [
      config.encryptionKey,
    ]);
    await owner.query(
      `INSERT INTO smartretail.client_keys (client_id, wrapped_key, master_key_version)
       SELECT g, smartretail.wrap_data_key(g, gen_random_bytes(32)), 1 FROM generate_series(1, $1::int) g`,
      [KEYS],
    );
    await owner.query('COMMIT');
  } finally {
    await owner.end();
  }
}

async function rotate(config: AppConfig): Promise<number> {
  const { transactions, close } = await openSingleConnectionTransactions(
    config,
    'smartretail-bench-rotation',
  );
  try {
    let rewrapped = 0;
    const seconds = await timed(async () => {
      ({ rewrapped } = await new MasterKeyRotation(transactions, config).run(5_000));
    });
    if (rewrapped !== KEYS) throw new Error(`re-wrapped ${rewrapped} keys, expected ${KEYS}`);
    return seconds;
  } finally {
    await close();
  }
}

export const keyRotationBench: BenchPart = {
  name: 'master-key rotation',
  run: (context): Promise<BenchFigures> =>
    withScratchDatabase(context, async (url) => {
      const config = withOverrides(context.config, { databaseUrl: url });
      await migrateDatabase(config);
      await verifyDatabaseKeys(config);
      await createDataKeys(url, config);
      const rotating = withOverrides(config, { newEncryptionKey: randomBytes(32).toString('hex') });
      // Every instance holds the new key first; the first to start enrols it (docs/gdpr.md).
      await verifyDatabaseKeys(rotating);
      const seconds = await rotate(rotating);
      context.log(
        `re-wrapped ${KEYS.toLocaleString('en-US')} data keys in ${seconds.toFixed(1)} s`,
      );
      return { rotate_200k_clients_s: Math.round(seconds * 10) / 10 };
    }),
};
