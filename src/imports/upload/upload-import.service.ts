/** Imports an upload once it has been received whole (see UploadSpool), then removes its file. */
import { Injectable } from '@nestjs/common';
import { open } from 'node:fs/promises';
import type { ImportRun } from '../history/import-run';
import { ImportService } from '../engine/import.service';
import { ReceivedUpload, removeSpooled } from './upload-spool';

@Injectable()
export class UploadImportService {
  constructor(private readonly imports: ImportService) {}

  /** The run's report; a 4xx DomainError when the file was refused, a 503 when busy or down. */
  async importUpload(upload: ReceivedUpload): Promise<ImportRun> {
    // Opened now, so the file can be unlinked whatever happens while the import waits its turn.
    const file = await open(upload.path);
    const content = file.createReadStream({ highWaterMark: 256 * 1024 });
    try {
      const { report, failure } = await this.imports.importContent({
        dataset: upload.dataset,
        source: 'upload',
        mode: upload.mode,
        encoding: upload.encoding,
        fileName: upload.fileName,
        content,
      });
      if (failure) throw failure;
      return report;
    } finally {
      content.destroy();
      await file.close().catch(() => undefined);
      removeSpooled(upload.path);
    }
  }
}
