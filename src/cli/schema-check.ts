/**
 * `npm run schema:check`: migrates a fresh database, then compares its protection layer (trigger
 * functions, triggers, views, table, column, function and schema privileges) with what the
 * catalog renders, printing a readable diff and exiting 1 when they differ.
 * The fresh database is a scratch database on the server of DATABASE_URL when it is set (created
 * and dropped; the URL's role must be allowed to create databases), otherwise on an embedded
 * PostgreSQL started in a temporary directory and removed afterwards.
 * Exit codes (src/cli/cli-usage.ts): 0 no drift, 1 drift or failure, 2 usage error.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { freePort } from '../common/free-port';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { datasetCatalog } from '../catalog/dataset-catalog';
import { recordVisibility } from '../catalog/record-visibility';
import { ownerDataSource } from '../database/database-migrator';
import { EmbeddedDatabase } from '../database/embedded-database';
import { renderProtectionLayer } from '../database/schema/protection-layer';
import { driftReport, findSchemaDrift } from '../database/schema/schema-drift';
import { parseCommandLine, runCli } from './cli-usage';

const CLI = {
  name: 'schema:check',
  usage: `usage: npm run schema:check
  migrates a fresh database and compares it with what the catalog renders (DATABASE_URL's server
  when set, else an embedded PostgreSQL)`,
};

/** A server URL: DATABASE_URL's, or an embedded one that `stop` removes. */
async function server(): Promise<{ url: string; stop: () => Promise<void> }> {
  // A CLI boundary: the only setting this tool reads, so no full service configuration.
  const configured = process.env.DATABASE_URL;
  if (configured) return { url: configured, stop: () => Promise.resolve() };
  const dir = mkdtempSync(join(tmpdir(), 'smartretail-schema-check-'));
  const embedded = new EmbeddedDatabase({
    dataDir: dir,
    port: await freePort(),
    password: randomBytes(18).toString('base64url'),
    database: 'postgres',
  });
  await embedded.start();
  return {
    url: embedded.url,
    stop: async () => {
      await embedded.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function onScratchDatabase<T>(
  serverUrl: string,
  work: (url: string) => Promise<T>,
): Promise<T> {
  const name = `smartretail_schema_check_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    try {
      const url = new URL(serverUrl);
      url.pathname = `/${name}`;
      return await work(url.toString());
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}

/** Migrations only: login passwords are cluster-wide and none is needed to compare a schema. */
async function migrate(url: string): Promise<void> {
  const dataSource = await ownerDataSource(url).initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }
}

async function main(): Promise<number> {
  parseCommandLine(process.argv.slice(2), {});
  const schema = renderProtectionLayer(datasetCatalog, recordVisibility);
  const pg = await server();
  try {
    const drift = await onScratchDatabase(pg.url, async (url) => {
      await migrate(url);
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        return await findSchemaDrift(client, schema);
      } finally {
        await client.end();
      }
    });
    const report = driftReport(drift);
    if (drift.problems.length) {
      console.error(`schema:check: ${report}`);
      return 1;
    }
    console.log(`schema:check: ${report}`);
    return 0;
  } finally {
    await pg.stop();
  }
}

runCli(CLI, main);
