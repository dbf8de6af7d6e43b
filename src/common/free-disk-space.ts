/**
 * Free space where DATA_DIR lives: readiness reports it, and imports are refused below a floor
 * before PostgreSQL (embedded under DATA_DIR) runs out of it.
 */
import { existsSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/**
 * With DATABASE_URL set nothing may have created DATA_DIR yet; the space that matters is that of
 * the filesystem it will be created on, so measure its nearest existing ancestor.
 */
export function nearestExistingDirectory(path: string): string {
  let current = resolve(path);
  while (!existsSync(current) && dirname(current) !== current) current = dirname(current);
  return current;
}

/** Megabytes an unprivileged process may still write (what PostgreSQL, not root, can use). */
export async function freeDiskMb(path: string): Promise<number> {
  const stats = await statfs(nearestExistingDirectory(path));
  return Math.floor((stats.bavail * stats.bsize) / 1024 ** 2);
}
