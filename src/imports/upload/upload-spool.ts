/**
 * A multer storage engine that writes the uploaded file into this instance's spool directory
 * (UploadSpoolDirectory: 0700, the file 0600) and nothing else. Receiving the whole body before
 * importing is what keeps a slow client from holding an import lock, a pool connection or an
 * open transaction while it trickles: the import starts only once the last byte is on disk, and
 * then reads at disk speed. Memory stays a few buffers whatever the size; the size limit and the
 * idle timeout apply while receiving.
 */
import type { Request } from 'express';
import type { StorageEngine } from 'multer';
import { pipeline } from 'node:stream/promises';
import { isInterrupted } from '../../database/transaction-interrupter';
import { removeSpooled, SpoolFile, UploadSpoolDirectory } from './upload-spool-directory';

export interface SpooledFile {
  path: string;
  size: number;
}

export class UploadSpool implements StorageEngine {
  /** The file part being received, for the run recorded when receiving fails. */
  received?: { fileName: string; bytes: number };
  private current?: SpoolFile;

  /**
   * `interrupted`: shutdown stopped the file being received (and removed it). Called at once, so
   * the request is answered without waiting for a body that may trickle for minutes.
   */
  constructor(
    private readonly directory: UploadSpoolDirectory,
    private readonly interrupted: (error: Error) => void,
  ) {}

  _handleFile(
    _req: Request,
    file: Express.Multer.File,
    callback: (error?: unknown, info?: Partial<Express.Multer.File> & SpooledFile) => void,
  ): void {
    const received = { fileName: file.originalname, bytes: 0 };
    this.received = received;
    let spooled;
    try {
      spooled = this.directory.create();
    } catch (error) {
      return callback(error);
    }
    this.current = spooled;
    const { path, stream, settle } = spooled;
    stream.once('error', (error) => {
      if (isInterrupted(error)) this.interrupted(error);
    });
    file.stream.on('data', (chunk: Buffer) => (received.bytes += chunk.length));
    pipeline(file.stream, stream).then(
      () => {
        settle();
        callback(null, { path, size: received.bytes });
      },
      (error: unknown) => {
        settle();
        removeSpooled(path);
        callback(error);
      },
    );
  }

  /**
   * Stops writing and removes the file now: an upload refused while it arrives (408) leaves
   * nothing behind by the time it is answered, not once the connection is torn down.
   */
  discard(): void {
    if (!this.current) return;
    this.current.stream.destroy();
    removeSpooled(this.current.path);
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
