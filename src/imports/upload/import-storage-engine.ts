/**
 * A multer storage engine that stores nothing on disk or in memory: it pipes the uploaded file's
 * stream straight through the CSV parser into PostgreSQL's COPY, so a 1 GB upload costs the
 * service a few buffers, not a gigabyte.
 */
import type { Request } from 'express';
import type { StorageEngine } from 'multer';
import type { Readable } from 'node:stream';
import type { DatasetSpec } from '../../catalog/dataset.types';
import { DomainError, DomainErrorCode } from '../../common/domain-error';
import type { ImportMode } from '../import-report';
import { ImportResult, ImportService } from '../import.service';

export const tooLarge = (maxBytes: number): DomainError =>
  new DomainError(
    DomainErrorCode.PayloadTooLarge,
    `the file is larger than the upload limit of ${maxBytes} bytes (IMPORT_MAX_BYTES); nothing was imported`,
  );

export interface StoredImport {
  importResult: ImportResult;
}

export class ImportStorageEngine implements StorageEngine {
  constructor(
    private readonly imports: ImportService,
    private readonly dataset: DatasetSpec,
    private readonly mode: ImportMode,
    private readonly maxBytes: number,
  ) {}

  _handleFile(
    _req: Request,
    file: Express.Multer.File,
    callback: (error?: unknown, info?: Partial<Express.Multer.File> & StoredImport) => void,
  ): void {
    const stream = file.stream as Readable & { truncated?: boolean };
    this.imports
      .importContent({
        dataset: this.dataset,
        source: 'upload',
        mode: this.mode,
        fileName: file.originalname,
        content: stream,
        // busboy ends a file stream cut at the size limit normally and flags it: refuse to commit.
        assertComplete: () => {
          if (stream.truncated) throw tooLarge(this.maxBytes);
        },
      })
      .then(
        (importResult) => {
          // Failed before the end of the file (a bad header, interrupted by shutdown): multer
          // answers only once the body is consumed, which its error path takes care of.
          if (importResult.failure && !stream.readableEnded) {
            stream.resume();
            return callback(importResult.failure);
          }
          callback(null, { importResult });
        },
        (error: unknown) => {
          stream.resume();
          callback(error);
        },
      );
  }

  _removeFile(
    _req: Request,
    _file: Express.Multer.File,
    callback: (error: Error | null) => void,
  ): void {
    callback(null);
  }
}
