/**
 * A multer storage engine that writes the uploaded file to a private temporary file (mode 0600)
 * and nothing else. Receiving the whole body before importing is what keeps a slow client from
 * holding an import lock, a pool connection or an open transaction while it trickles: the import
 * starts only once the last byte is on disk, and then reads at disk speed. Memory stays a few
 * buffers whatever the size; the size limit and the idle timeout apply while receiving.
 */
import type { Request } from 'express';
import type { StorageEngine } from 'multer';
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

export const SPOOL_DIR = join(tmpdir(), 'smartretail-uploads');

export interface SpooledFile {
  path: string;
  size: number;
}

export class UploadSpool implements StorageEngine {
  /** The file part being received, for the run recorded when receiving fails. */
  received?: { fileName: string; bytes: number };

  _handleFile(
    _req: Request,
    file: Express.Multer.File,
    callback: (error?: unknown, info?: Partial<Express.Multer.File> & SpooledFile) => void,
  ): void {
    mkdirSync(SPOOL_DIR, { recursive: true, mode: 0o700 });
    const path = join(SPOOL_DIR, `${randomUUID()}.csv`);
    const received = { fileName: file.originalname, bytes: 0 };
    this.received = received;
    file.stream.on('data', (chunk: Buffer) => (received.bytes += chunk.length));
    pipeline(file.stream, createWriteStream(path, { flags: 'wx', mode: 0o600 })).then(
      () => callback(null, { path, size: received.bytes }),
      (error: unknown) => {
        removeSpooled(path);
        callback(error);
      },
    );
  }

  _removeFile(
    _req: Request,
    file: Express.Multer.File,
    callback: (error: Error | null) => void,
  ): void {
    removeSpooled(file.path);
    callback(null);
  }
}

export function removeSpooled(path: string | undefined): void {
  if (path) rmSync(path, { force: true });
}
