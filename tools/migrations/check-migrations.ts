/**
 * `npm run migrations:check [-- --record]`: fails (exit 1) when a migration file recorded in
 * migrations/checksums.json changed or was deleted, or when a migration file is not recorded.
 * `--record` adds the unrecorded files' lines (a new migration) and still fails on a changed one:
 * a migration on main is never edited, a fix is a new migration (docs/development.md).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCommandLine, runCli } from '../../src/cli/cli-usage';
import {
  compareChecksums,
  formatChecksums,
  readChecksums,
  withUnrecorded,
} from './migration-checksums';

const CLI = {
  name: 'migrations:check',
  usage: `usage: npm run migrations:check [-- --record]
  compares every migrations/<timestamp>-<Name>.ts with its SHA-256 in migrations/checksums.json
  --record  add the lines of migrations not recorded yet (never changes a recorded line)`,
};

// dist/tools/migrations/ → the repository root.
const ROOT = join(__dirname, '..', '..', '..');
const DIR = join(ROOT, 'migrations');
const LIST = join(DIR, 'checksums.json');

runCli(CLI, () => {
  const { values } = parseCommandLine(process.argv.slice(2), { record: { type: 'boolean' } });
  let recorded = readChecksums(LIST);
  if (values.record) {
    const next = withUnrecorded(DIR, recorded);
    const added = Object.keys(next).filter((name) => !(name in recorded));
    writeFileSync(LIST, formatChecksums(next));
    for (const name of added) console.log(`recorded migrations/${name}`);
    recorded = next;
  }
  const { changed, missing, unrecorded } = compareChecksums(DIR, recorded);
  const problems = [
    ...changed.map(
      (name) =>
        `migrations/${name} changed after it was recorded: a migration on main is immutable; revert it and write a new migration instead`,
    ),
    ...missing.map(
      (name) =>
        `migrations/${name} is recorded in migrations/checksums.json but no longer exists: a migration on main is never removed`,
    ),
    ...unrecorded.map(
      (name) =>
        `migrations/${name} is not recorded in migrations/checksums.json: a new migration? run npm run migrations:check -- --record`,
    ),
  ];
  for (const problem of problems) console.error(`${CLI.name}: ${problem}`);
  if (problems.length) return 1;
  console.log(`${CLI.name}: ${Object.keys(recorded).length} migrations, none changed`);
});
