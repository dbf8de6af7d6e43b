/**
 * A migration is immutable once it is on main: it has run on databases we do not control, and
 * editing it changes nothing there (TypeORM runs a migration once, by name), so the fix would
 * reach new databases only and the two would drift. migrations/checksums.json records the
 * SHA-256 of every migration file; the check fails when a recorded file changed or vanished,
 * and when a file is not recorded yet (a new migration: record it with `--record`, which adds
 * lines and never changes one).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** `<13-digit timestamp>-<PascalName>.ts`, the naming every migration follows; not index.ts. */
const MIGRATION_FILE = /^\d{13}-[A-Za-z0-9]+\.ts$/;

export type Checksums = Record<string, string>;

export interface ChecksumReport {
  /** Recorded files whose content differs from what was recorded. */
  changed: string[];
  /** Recorded files that no longer exist. */
  missing: string[];
  /** Migration files without a recorded checksum (new ones). */
  unrecorded: string[];
}

/**
 * SHA-256 of the file with line endings normalised to LF, so a checkout with
 * `core.autocrlf` gives the same sum as the committed bytes.
 */
export function migrationChecksum(content: Buffer | string): string {
  const text = typeof content === 'string' ? content : content.toString('utf8');
  return createHash('sha256').update(text.replace(/\r\n/g, '\n')).digest('hex');
}

export function migrationFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => MIGRATION_FILE.test(name))
    .sort();
}

export function readChecksums(file: string): Checksums {
  if (!existsSync(file)) return {};
  return JSON.parse(readFileSync(file, 'utf8')) as Checksums;
}

/** Serialised one file per line, sorted, so a new migration is a one-line diff. */
export function formatChecksums(checksums: Checksums): string {
  const names = Object.keys(checksums).sort();
  const lines = names.map((n) => `  ${JSON.stringify(n)}: ${JSON.stringify(checksums[n])}`);
  return `{\n${lines.join(',\n')}\n}\n`;
}

export function compareChecksums(dir: string, recorded: Checksums): ChecksumReport {
  const files = migrationFiles(dir);
  const report: ChecksumReport = { changed: [], missing: [], unrecorded: [] };
  for (const name of Object.keys(recorded).sort()) {
    if (!files.includes(name)) report.missing.push(name);
    else if (migrationChecksum(readFileSync(join(dir, name))) !== recorded[name])
      report.changed.push(name);
  }
  report.unrecorded = files.filter((name) => !(name in recorded));
  return report;
}

/** The recorded sums plus those of the unrecorded files; recorded lines are kept as they are. */
export function withUnrecorded(dir: string, recorded: Checksums): Checksums {
  const next = { ...recorded };
  for (const name of migrationFiles(dir))
    if (!(name in next)) next[name] = migrationChecksum(readFileSync(join(dir, name)));
  return next;
}
