// `pretest`: makes sure the programs the tests run are installed, so `npm test` alone passes on a
// fresh machine. Today those are Debian's `prometheus` package (it brings `promtool` too), used by
// the monitoring config checks and the observability specs, and `postgresql-client` (psql), used
// by the benchmark's psql \copy baseline (test/bench/psql-copy.spec.ts; the same package brings
// pgbench, bench:read's request-overhead baseline), and `postgresql-15`,
// whose server and pg_dump/pg_restore run the DATABASE_URL backup test
// (test/database/pg-dump-restore.spec.ts): Debian's pg_dump (15) refuses the embedded server (18),
// and `pgbouncer`, the connection pooler the PgBouncer tier runs (test/scale-out/pgbouncer.spec.ts).
//
// - All on PATH: exits 0 at once (no apt, no network), so every `npm test` stays fast.
// - Missing, running as root with apt-get: installs the packages of the missing tools
//   non-interactively (`apt-get update` only when apt does not know a package yet, or the
//   install failed on stale lists), then checks again.
// - Missing otherwise: exits 1 with the exact command to run; nothing is installed.
//
// ENSURE_TEST_TOOLS_UID overrides the user id; only test/setup/ensure-test-tools.spec.ts sets it
// (the tests run as root here and must not install anything), and ENSURE_TEST_TOOLS_ROOT the
// directory the absolute paths of REQUIRED_TOOLS are looked up under (the spec's stand-ins).
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Each program the tests run, and the Debian package that provides it: a name is looked up on
 * PATH, an absolute path as is (Debian installs each server major version's binaries in its own
 * directory, never on PATH; the package's pg_dump and pg_restore come with its server; sbin,
 * where pgbouncer is, is not on every user's PATH).
 */
export const REQUIRED_TOOLS = {
  promtool: 'prometheus',
  prometheus: 'prometheus',
  psql: 'postgresql-client',
  '/usr/lib/postgresql/15/bin/postgres': 'postgresql-15',
  '/usr/sbin/pgbouncer': 'pgbouncer',
};
const INSTALL = 'apt-get install -y --no-install-recommends';

/** The packages that provide `tools`, each once, in a stable order. */
export function packagesFor(tools) {
  return [...new Set(tools.map((tool) => REQUIRED_TOOLS[tool]))];
}

export const installCommand = (packages) => `${INSTALL} ${packages.join(' ')}`;
const APT_TIMEOUT_MS = 15 * 60 * 1000;

/** The full path of `name` on `path`, or undefined. */
export function findOnPath(name, path = process.env.PATH ?? '') {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * What to do, decided from facts only (pure, so the rules read in one place):
 * `{ action: 'none' }`, `{ action: 'install' }` or `{ action: 'fail', message }`.
 */
export function planTestTools({ missing, isRoot, hasApt }) {
  if (!missing.length) return { action: 'none' };
  const packages = packagesFor(missing);
  const what = `npm test needs ${missing.join(' and ')} (Debian's ${packages.map((p) => `"${p}"`).join(' and ')} ${packages.length > 1 ? 'packages' : 'package'})`;
  if (!hasApt) {
    return {
      action: 'fail',
      message: `${what}; apt-get is not available: install them so that ${missing.join(' and ')} can run (bare names from PATH)`,
    };
  }
  if (isRoot) return { action: 'install' };
  return {
    action: 'fail',
    message: `${what}. Run: sudo apt-get update && sudo ${installCommand(packages)}`,
  };
}

function apt(command, args) {
  const result = spawnSync(command, args, {
    // Never prompt (debconf, service restarts): a test run must not wait for a keyboard.
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: APT_TIMEOUT_MS,
  });
  return result.status === 0;
}

function install(packages) {
  // Refresh the package lists only when apt does not know a package (fresh images ship none),
  // or when installing from the lists at hand failed (stale lists point at removed versions).
  const known = packages.every(
    (name) => spawnSync('apt-cache', ['show', name], { stdio: 'ignore' }).status === 0,
  );
  let updated = false;
  if (!known) updated = apt('apt-get', ['update', '-qq']);
  const installArgs = installCommand(packages).split(' ').slice(1);
  if (apt('apt-get', installArgs)) return true;
  if (updated || !apt('apt-get', ['update', '-qq'])) return false;
  return apt('apt-get', installArgs);
}

/** Whether `tool` is installed: an absolute path under `root`, or a name on PATH. */
export function findTool(tool, root = process.env.ENSURE_TEST_TOOLS_ROOT ?? '') {
  if (!isAbsolute(tool)) return Boolean(findOnPath(tool));
  try {
    accessSync(join(root || '/', tool), constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function currentUid() {
  const forced = process.env.ENSURE_TEST_TOOLS_UID;
  if (forced !== undefined && forced !== '') return Number(forced);
  return typeof process.getuid === 'function' ? process.getuid() : -1;
}

function missingTools() {
  return Object.keys(REQUIRED_TOOLS).filter((tool) => !findTool(tool));
}

function main() {
  const missing = missingTools();
  const plan = planTestTools({
    missing,
    isRoot: currentUid() === 0,
    hasApt: Boolean(findOnPath('apt-get')),
  });
  if (plan.action === 'none') return 0;
  if (plan.action === 'fail') {
    console.error(plan.message);
    return 1;
  }
  const packages = packagesFor(missing);
  console.error(`npm test needs ${missing.join(' and ')}: running ${installCommand(packages)}`);
  const stillMissing = install(packages) ? missingTools() : missing;
  if (!stillMissing.length) return 0;
  console.error(
    `installing ${packages.map((p) => `"${p}"`).join(' and ')} did not provide ${stillMissing.join(' and ')}; ` +
      `run ${installCommand(packages)} and read its output`,
  );
  return 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = main();
