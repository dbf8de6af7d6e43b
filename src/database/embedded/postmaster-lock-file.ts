/**
 * PostgreSQL's own record of a running server: `postmaster.pid` in the data directory. Line 1 is
 * the postmaster's pid, line 4 its port and line 8 its status (see PostgreSQL's
 * src/include/utils/pidfile.h). It outlives a postmaster killed with SIGKILL, so its presence
 * proves nothing by itself; the pid must still be checked.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PostmasterLock {
  pid: number;
  port: number;
  /** `starting`, `stopping`, `ready` or `standby`; empty while the server is coming up. */
  status: string;
}

export const postmasterLockPath = (clusterDir: string): string =>
  join(clusterDir, 'postmaster.pid');

export function parsePostmasterLock(text: string): PostmasterLock | undefined {
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return {
    pid,
    port: Number.isInteger(port) && port > 0 ? port : 0,
    status: (lines[7] ?? '').trim(),
  };
}

/** Undefined when there is no lock file (or an unreadable one, which PostgreSQL replaces). */
export function readPostmasterLock(clusterDir: string): PostmasterLock | undefined {
  try {
    return parsePostmasterLock(readFileSync(postmasterLockPath(clusterDir), 'utf8'));
  } catch {
    return undefined;
  }
}
