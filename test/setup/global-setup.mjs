// Starts one real PostgreSQL for the whole test run (embedded, or the server in DATABASE_URL),
// migrates a template database once with the compiled migrations, and hands connection details
// and test secrets to the workers through the environment. Each test file then clones the
// template (see test/support/test-database.ts), so files run in parallel without sharing rows.
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Node loads the ES-module-only dependencies of what this file requires (require(esm)): Jest's
// transform for its own loader must leave them alone here (test/setup/esm-to-cjs-transform.cjs).
const NODE_LOADS_ESM = Symbol.for('smartretail.jest.nodeLoadsEsm');
globalThis[NODE_LOADS_ESM] = true;

const require = createRequire(import.meta.url);
const { loadConfig } = require('../../dist/src/config/app-config.js');
const { verifyDatabaseKeys } = require('../../dist/src/database/database-key-check.js');
const { migrateDatabase } = require('../../dist/src/database/database-migrator.js');
const { EmbeddedDatabase } = require('../../dist/src/database/embedded-database.js');
const { freePort } = require('../../dist/src/common/free-port.js');
const { buildOfflineOpenApiDocument } = require('../../dist/src/common/openapi-offline.js');
const { Client } = require('pg');

const TEMPLATE = 'smartretail_test_template';

export default async function globalSetup() {
  try {
    await setUp();
  } finally {
    // Test files run in this process too with --runInBand: from here on, Jest loads modules.
    delete globalThis[NODE_LOADS_ESM];
  }
}

async function setUp() {
  const secrets = {
    TEST_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    TEST_BLIND_INDEX_KEY: randomBytes(32).toString('base64'),
    TEST_JWT_SECRET: randomBytes(32).toString('hex'),
    TEST_APP_DB_PASSWORD: randomBytes(18).toString('base64url'),
    TEST_GRAFANA_DB_PASSWORD: randomBytes(18).toString('base64url'),
  };
  Object.assign(process.env, secrets);

  // The OpenAPI document every response is checked against (test/support/openapi-response-check),
  // built once here: building it inside a test process would silence Nest's static Logger there
  // (the document's app is created with logger: false), and with it every log line under test.
  const openApiDir = mkdtempSync(join(tmpdir(), 'smartretail-openapi-'));
  process.env.TEST_OPENAPI_DOCUMENT = join(openApiDir, 'openapi.json');
  writeFileSync(
    process.env.TEST_OPENAPI_DOCUMENT,
    JSON.stringify(await buildOfflineOpenApiDocument()),
  );

  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const dir = mkdtempSync(join(tmpdir(), 'smartretail-test-'));
    const logFile = join(dir, 'postgresql.log');
    const log = createWriteStream(logFile);
    const embedded = new EmbeddedDatabase({
      dataDir: dir,
      port: await freePort(),
      password: randomBytes(18).toString('base64url'),
      database: 'postgres',
      onLog: (line) => log.write(line),
    });
    await embedded.start();
    globalThis.__SMARTRETAIL_EMBEDDED__ = { embedded, log, dir };
    process.env.TEST_PG_LOG = logFile;
    process.env.TEST_PG_DIR = dir;
    serverUrl = embedded.url;
  }
  const adminUrl = new URL(serverUrl);
  adminUrl.pathname = '/postgres';
  process.env.TEST_ADMIN_URL = adminUrl.toString();
  process.env.TEST_TEMPLATE_DB = TEMPLATE;

  const admin = new Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${TEMPLATE}`);
  await admin.end();

  const templateUrl = new URL(adminUrl);
  templateUrl.pathname = `/${TEMPLATE}`;
  await migrateDatabase({
    databaseUrl: templateUrl.toString(),
    appDbPassword: secrets.TEST_APP_DB_PASSWORD,
    grafanaDbPassword: secrets.TEST_GRAFANA_DB_PASSWORD,
  });
  // As the service does right after migrating: enrol the test keys' check values, so every
  // clone starts as a database this service has already run against.
  await verifyDatabaseKeys(
    loadConfig(
      {
        DATABASE_URL: templateUrl.toString(),
        ENCRYPTION_KEY: secrets.TEST_ENCRYPTION_KEY,
        BLIND_INDEX_KEY: secrets.TEST_BLIND_INDEX_KEY,
        JWT_SECRET: secrets.TEST_JWT_SECRET,
        APP_DB_PASSWORD: secrets.TEST_APP_DB_PASSWORD,
        GRAFANA_DB_PASSWORD: secrets.TEST_GRAFANA_DB_PASSWORD,
      },
      { embedded: false },
    ),
  );
}
