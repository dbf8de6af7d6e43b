/**
 * What the operating system says about a process: alive or not, when it started, where it runs.
 * Linux answers through /proc. Elsewhere only liveness and the command name are known (`ps`), so
 * pid reuse cannot be told apart and lingering server processes cannot be found.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';

const HAS_PROC = process.platform === 'linux';

/** True when a process with this pid exists (EPERM means it exists but belongs to someone else). */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // A zombie still has a pid but has exited: it is gone for every purpose here.
  return processStat(pid)?.state !== 'Z';
}

/**
 * An identity that survives pid reuse: the start time in clock ticks since boot (/proc/<pid>/stat
 * field 22). Undefined where /proc is missing.
 */
export function processStartTime(pid: number): string | undefined {
  return processStat(pid)?.startTime;
}

/** The pids of PostgreSQL processes whose working directory is `dir` (PostgreSQL chdirs to its data directory). */
export function postgresProcessesIn(dir: string): number[] {
  if (!HAS_PROC) return [];
  const target = realPath(dir);
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (isPostgresIn(pid, target)) pids.push(pid);
  }
  return pids;
}

/** True when `pid` is a PostgreSQL process running in `dir` (without /proc: any PostgreSQL). */
export function isPostgresProcessIn(pid: number, dir: string): boolean {
  if (HAS_PROC) return isPostgresIn(pid, realPath(dir));
  try {
    const command = execFileSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8' });
    return isAlive(pid) && /(^|\/)postgres$/.test(command.trim());
  } catch {
    return false;
  }
}

function isPostgresIn(pid: number, realDir: string): boolean {
  try {
    const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    return comm === 'postgres' && readlinkSync(`/proc/${pid}/cwd`) === realDir && isAlive(pid);
  } catch {
    return false; // gone meanwhile, or not ours to inspect
  }
}

function processStat(pid: number): { state: string; startTime: string } | undefined {
  if (!HAS_PROC) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ...": comm may contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], startTime: fields[19] };
  } catch {
    return undefined;
  }
}

function realPath(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}
