/**
 * `npm run schema:generate -- <PascalName> [--timestamp <ms>]`: renders the protection layer
 * from the catalog and writes it as a new migration, `migrations/<timestamp>-<PascalName>.ts`,
 * listed in migrations/index.ts, for review. Needs no database.
 * Exit codes (src/cli/cli-usage.ts): 0 written, 1 failed, 2 usage error.
 */
import { resolve } from 'node:path';
import { datasetCatalog } from '../catalog/dataset-catalog';
import { recordVisibility } from '../catalog/record-visibility';
import { MIGRATION_NAME_RE, writeMigration } from '../database/schema/migration-file';
import { renderProtectionLayer, schemaStatements } from '../database/schema/protection-layer';
import { parseCommandLine, runCli, UsageError } from './cli-usage';

const CLI = {
  name: 'schema:generate',
  usage: `usage: npm run schema:generate -- <PascalName> [--timestamp <ms>]
  writes the protection layer the catalog renders into migrations/<timestamp>-<PascalName>.ts
  --timestamp  the migration's timestamp (default: now); pick one after every existing migration`,
};

/** The repository root, from dist/src/cli or src/cli alike. */
const ROOT = resolve(__dirname, __dirname.includes('/dist/') ? '../../..' : '../..');

function main(): void {
  const { values, positionals } = parseCommandLine(
    process.argv.slice(2),
    { timestamp: { type: 'string' } },
    { min: 1, max: 1 },
  );
  const name = positionals[0];
  if (!MIGRATION_NAME_RE.test(name)) throw new UsageError(`not a PascalCase name: ${name}`);
  const timestamp = values.timestamp === undefined ? Date.now() : Number(values.timestamp);
  if (!Number.isSafeInteger(timestamp) || timestamp <= 0)
    throw new UsageError(`--timestamp must be a positive integer of milliseconds`);
  const schema = renderProtectionLayer(datasetCatalog, recordVisibility);
  const file = writeMigration(ROOT, name, timestamp, schemaStatements(schema));
  console.log(`Wrote ${file} (listed in migrations/index.ts): review it, then commit it.`);
}

runCli(CLI, main);
