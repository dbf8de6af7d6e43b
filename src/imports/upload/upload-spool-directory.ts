/**
 * Where uploads wait while they arrive: UPLOAD_SPOOL_DIR (DATA_DIR/uploads by default), in a
 * directory of this instance's own (see spool-instance.ts), mode 0700, files 0600.
 *
 * A spooled file holds a whole customer file in clear (names, e-mails, birth dates), so it lives
 * only while its bytes arrive: once received it is opened and its name removed at once (`claim`),
 * so the import reads an open handle that disappears with the process, however it ends. What
 * can still be left is a file being received when the process is killed (SIGKILL, OOM, power):
 * each start sweeps the directories of this host's stopped instances, never a live neighbour's
 * (a second service on the same DATA_DIR, a CLI beside it), and says how many files it removed,
 * never which. Shutdown stops the uploads being received and removes this instance's directory.
 *
 * The root is refused rather than repaired when it is a symbolic link, another user's, or open
 * to others: chmod-ing whatever UPLOAD_SPOOL_DIR points at could close /tmp or a home directory.
 */
import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  chmodSync,
  createWriteStream,
  lstatSync,
  mkdirSync,
  readdirSync,
  rmSync,
  WriteStream,
} from 'node:fs';
import { FileHandle, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig } from '../../config/app-config';
import { interrupted } from '../../database/transaction-interrupter';
import {
  parseSpoolDirectoryName,
  spoolDirectoryName,
  spoolOwnerStatus,
  thisInstance,
} from './spool-instance';

/** Where versions before UPLOAD_SPOOL_DIR spooled, shared by every process of the host. */
export const LEGACY_SPOOL_DIR = join(tmpdir(), 'smartretail-uploads');

/** A file being received into the spool. */
export interface SpoolFile {
  path: string;
  stream: WriteStream;
  /** The stream ended (received or failed): shutdown no longer needs to stop it. */
  settle: () => void;
}

export interface SweepReport {
  files: number;
  directories: number;
  otherHosts: number;
  unknown: number;
}

@Injectable()
export class UploadSpoolDirectory implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('UploadSpool');
  private readonly root: string;
  private own?: string;
  private closed = false;
  private readonly receiving = new Set<WriteStream>();

  constructor(config: AppConfig) {
    this.root = config.uploadSpoolDir;
  }

  /** This instance's directory (for tests and operators: where its uploads are received). */
  get directory(): string | undefined {
    return this.own;
  }

  onModuleInit(): void {
    prepareRoot(this.root);
    const swept = sweepStoppedInstances(this.root);
    if (swept.files || swept.directories)
      this.logger.warn(
        `Removed ${swept.files} upload file(s) left in ${this.root} by ${swept.directories} ` +
          `instance(s) that stopped without cleaning up (killed, or the host went down)`,
      );
    if (swept.otherHosts)
      this.logger.log(
        `Left ${swept.otherHosts} spool director(ies) of other hosts in ${this.root}: only their own host can tell whether they are still in use`,
      );
    if (swept.unknown)
      this.logger.warn(
        `Left ${swept.unknown} entr(ies) in ${this.root} that are not spool directories of this service`,
      );
    this.reportLegacySpool();
    this.own = createOwnDirectory(this.root);
  }

  /** A new file in this instance's directory; refused (`interrupted`) once shutdown began. */
  create(): SpoolFile {
    if (this.closed || !this.own) throw interrupted();
    const path = join(this.own, `${randomUUID()}.csv`);
    // wx: O_CREAT|O_EXCL, which never follows a symbolic link planted at the name.
    const stream = createWriteStream(path, { flags: 'wx', mode: 0o600 });
    this.receiving.add(stream);
    return { path, stream, settle: () => this.receiving.delete(stream) };
  }

  /**
   * Opens a received file and removes its name: from here on it exists only as the handle, which
   * the kernel frees when it is closed or the process dies.
   */
  async claim(path: string): Promise<FileHandle> {
    try {
      const handle = await open(path);
      removeSpooled(path);
      return handle;
    } catch (error) {
      // Shutdown removed the directory between the last byte and this open.
      if (this.closed && (error as NodeJS.ErrnoException).code === 'ENOENT') throw interrupted();
      throw error;
    }
  }

  beforeApplicationShutdown(): void {
    this.closed = true;
    for (const stream of this.receiving) stream.destroy(interrupted());
    this.receiving.clear();
    if (this.own) rmSync(this.own, { recursive: true, force: true });
  }

  private reportLegacySpool(): void {
    const legacy = countFiles(LEGACY_SPOOL_DIR);
    if (legacy)
      this.logger.warn(
        `${legacy} upload file(s) of an earlier version are still in ${LEGACY_SPOOL_DIR}: remove them (rm -r ${LEGACY_SPOOL_DIR}) once no older SmartRetail runs on this host`,
      );
  }
}

export function removeSpooled(path: string | undefined): void {
  if (path) rmSync(path, { force: true });
}

const refused = (root: string, why: string, remedy = ''): Error =>
  new Error(
    `UPLOAD_SPOOL_DIR ${root} ${why}: uploads hold personal data in clear; ${remedy}set UPLOAD_SPOOL_DIR to a directory of this service's own (default DATA_DIR/uploads)`,
  );

/** Creates the root 0700 if missing; refuses one that others could read or redirect. */
export function prepareRoot(root: string): void {
  // Recursive mkdir returns the first directory it created, so this says whether root is new.
  const created = mkdirSync(root, { recursive: true, mode: 0o700 }) !== undefined;
  const stat = lstatSync(root);
  if (stat.isSymbolicLink()) throw refused(root, 'is a symbolic link');
  if (!stat.isDirectory()) throw refused(root, 'is not a directory');
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid)
    throw refused(root, `belongs to another user (uid ${stat.uid})`);
  // A restrictive umask may have taken the owner's bits; a permissive one never adds any.
  if (created) chmodSync(root, 0o700);
  const mode = lstatSync(root).mode & 0o777;
  if (mode & 0o077)
    throw refused(
      root,
      `is open to other users (mode ${mode.toString(8).padStart(4, '0')})`,
      `chmod 700 it, or `,
    );
}

/** Removes the spool directories of this host's stopped instances. */
export function sweepStoppedInstances(root: string): SweepReport {
  const report: SweepReport = { files: 0, directories: 0, otherHosts: 0, unknown: 0 };
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const owner = parseSpoolDirectoryName(entry.name);
    // A symbolic link is no directory of ours, whatever its name: never followed, never removed.
    if (!owner || !entry.isDirectory()) {
      report.unknown++;
      continue;
    }
    const status = spoolOwnerStatus(owner);
    if (status === 'other host') report.otherHosts++;
    if (status !== 'gone') continue;
    const dir = join(root, entry.name);
    report.files += countFiles(dir);
    report.directories++;
    rmSync(dir, { recursive: true, force: true });
  }
  return report;
}

function createOwnDirectory(root: string): string {
  const self = thisInstance();
  for (;;) {
    const dir = join(root, spoolDirectoryName(self));
    try {
      // Not recursive: EEXIST for anything already at the name, a symbolic link included.
      mkdirSync(dir, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw error;
    }
    chmodSync(dir, 0o700);
    return dir;
  }
}

/** Regular files directly in `dir` (0 when it is missing or not a directory). */
function countFiles(dir: string): number {
  try {
    if (!lstatSync(dir).isDirectory()) return 0;
    return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile()).length;
  } catch {
    return 0;
  }
}
