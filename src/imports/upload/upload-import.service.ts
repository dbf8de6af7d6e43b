/**
 * An upload, front to back: refuse what can be refused before the body is read, receive the file
 * whole into this instance's spool directory (UploadSpoolDirectory), then import it like any
 * other file, from a handle whose name is already gone. Receiving first is what keeps a slow client from holding an import turn, a pool
 * connection or a transaction while it trickles; the size limit (413) and the body's idle time
 * (408) bound the receiving, and an upload cut short that way is recorded as a failed run.
 */
import { Injectable } from '@nestjs/common';
import { datasetCatalog } from '../../catalog/dataset-catalog';
import type { DatasetName, DatasetSpec } from '../../catalog/dataset.types';
import { DomainError, DomainErrorCode, forbidden } from '../../common/domain-error';
import { AppConfig } from '../../config/app-config';
import type { Caller } from '../../auth/caller';
import type { CsvEncoding } from '../engine/csv/csv-text-decoder';
import { ImportDiskGuard } from '../engine/import-disk-guard';
import { ImportQueue } from '../engine/import-queue';
import { ImportService } from '../engine/import.service';
import type { ImportMode, ImportRun } from '../history/import-run';
import { CsvUpload, ReceivedCsvFile, UPLOAD_FIELD } from './multipart-csv-upload';
import { removeSpooled, UploadSpoolDirectory } from './upload-spool-directory';

export interface UploadOptions {
  mode?: ImportMode;
  /** The file's character set when the uploader names it; else decided from the bytes. */
  encoding?: CsvEncoding;
  /** Reinstate erased clients found in the file (admin only). */
  allowReinstate?: boolean;
}

const notMultipart = (): DomainError =>
  new DomainError(
    DomainErrorCode.UnsupportedMediaType,
    `send the CSV as multipart/form-data in the field "${UPLOAD_FIELD}"`,
  );

@Injectable()
export class UploadImportService {
  constructor(
    private readonly config: AppConfig,
    private readonly queue: ImportQueue,
    private readonly imports: ImportService,
    private readonly disk: ImportDiskGuard,
    private readonly spool: UploadSpoolDirectory,
  ) {}

  /**
   * The run, once imported. A DomainError otherwise: 415 not multipart, 503 queue full, 507 disk
   * too full (all before a byte is read), 400/408/413 while receiving, 4xx when the file is
   * refused, 503 when the turn does not come or the database is down, 507 when the file would
   * leave too little disk free.
   */
  async importUpload(
    datasetName: DatasetName,
    options: UploadOptions,
    upload: CsvUpload,
    caller: Caller,
  ): Promise<ImportRun> {
    const dataset = datasetCatalog.get(datasetName);
    const mode = options.mode ?? 'default';
    if (options.allowReinstate && caller.role !== 'admin')
      throw forbidden('only admin may reinstate erased clients (allowReinstate=true)');
    if (!upload.isMultipart) throw notMultipart();
    // Refuse before the body is read: a full queue or disk would only refuse it afterwards.
    this.queue.assertRoom();
    await this.disk.assertRoom();
    const file = await this.receive(dataset, mode, upload);
    // Unlinked as soon as it is open: while the import waits its turn and runs, the clear
    // personal data is on disk under no name, and gone with the process however it ends.
    const handle = await this.spool.claim(file.path).catch((error: unknown) => {
      removeSpooled(file.path);
      throw error;
    });
    const content = handle.createReadStream({ highWaterMark: 256 * 1024 });
    try {
      const { report, failure } = await this.imports.importContent({
        dataset,
        source: 'upload',
        mode,
        encoding: options.encoding,
        reinstatedBy: options.allowReinstate === true ? caller : undefined,
        fileName: file.fileName,
        sizeBytes: file.size,
        content,
      });
      if (failure) throw failure;
      return report;
    } finally {
      content.destroy();
      await handle.close().catch(() => undefined);
      removeSpooled(file.path);
    }
  }

  private async receive(
    dataset: DatasetSpec,
    mode: ImportMode,
    upload: CsvUpload,
  ): Promise<ReceivedCsvFile> {
    try {
      return await upload.receive(
        { maxBytes: this.config.importMaxBytes, idleTimeoutMs: this.config.uploadIdleTimeoutMs },
        this.spool,
      );
    } catch (error) {
      // A file that started arriving leaves a failed run behind, with why it stopped.
      const partial = upload.partial;
      if (partial && error instanceof DomainError) {
        await this.imports.recordFailedUpload(
          { dataset, mode, fileName: partial.fileName },
          partial.bytes,
          error,
        );
      }
      throw error;
    }
  }
}
