// `pretest`: makes sure the programs the tests run are installed, so `npm test` alone passes on a
// fresh machine. Today that is Debian's `prometheus` package (it brings `promtool` too), used by
// the monitoring config checks and the observability specs.
//
// - Both on PATH: exits 0 at once (no apt, no network), so every `npm test` stays fast.
// - Missing, running as root with apt-get: installs the package non-interactively
//   (`apt-get update` only when apt does not know the package yet, or the install failed on
//   stale lists), then checks again.
// - Missing otherwise: exits 1 with the exact command to run; nothing is installed.
//
// ENSURE_TEST_TOOLS_UID overrides the user id; only test/setup/ensure-test-tools.spec.ts sets it
// (the tests run as root here and must not install anything).
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REQUIRED_TOOLS = ['promtool', 'prometheus'];
export const DEBIAN_PACKAGE = 'prometheus';
export const INSTALL_COMMAND = `apt-get install -y --no-install-recommends ${DEBIAN_PACKAGE}`;
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
  const what = `npm test needs ${missing.join(' and ')} (Debian's "${DEBIAN_PACKAGE}" package)`;
  if (!hasApt) {
    return {
      action: 'fail',
      message: `${what}; apt-get is not available: install Prometheus so that ${REQUIRED_TOOLS.join(' and ')} are on PATH`,
    };
  }
  if (isRoot) return { action: 'install' };
  return {
    action: 'fail',
    message: `${what}. Run: sudo apt-get update && sudo ${INSTALL_COMMAND}`,
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

function install() {
  // Refresh the package lists only when apt does not know the package (fresh images ship none),
  // or when installing from the lists at hand failed (stale lists point at removed versions).
  const known = spawnSync('apt-cache', ['show', DEBIAN_PACKAGE], { stdio: 'ignore' }).status === 0;
  let updated = false;
  if (!known) updated = apt('apt-get', ['update', '-qq']);
  const installArgs = INSTALL_COMMAND.split(' ').slice(1);
  if (apt('apt-get', installArgs)) return true;
  if (updated || !apt('apt-get', ['update', '-qq'])) return false;
  return apt('apt-get', installArgs);
}

function currentUid() {
  const forced = process.env.ENSURE_TEST_TOOLS_UID;
  if (forced !== undefined && forced !== '') return Number(forced);
  return typeof process.getuid === 'function' ? process.getuid() : -1;
}

function missingTools() {
  return REQUIRED_TOOLS.filter((tool) => !findOnPath(tool));
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
  console.error(`npm test needs ${missing.join(' and ')}: running ${INSTALL_COMMAND}`);
  const stillMissing = install() ? missingTools() : missing;
  if (!stillMissing.length) return 0;
  console.error(
    `installing "${DEBIAN_PACKAGE}" did not provide ${stillMissing.join(' and ')}; ` +
      `run ${INSTALL_COMMAND} and read its output`,
  );
  return 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = main();
