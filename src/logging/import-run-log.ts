import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { Subscription } from 'rxjs';
import type { ImportRun } from '../imports/history/import-run';
import { ImportRunEvents } from '../imports/history/import-run-events';

/**
 * One log line per finished import run, whatever started it (upload, schedule) and however it
 * ended. Ingestion publishes runs on ImportRunEvents and knows nothing of this. The line carries
 * counts and the reason of a failure, never a value from the file: reasons are written without
 * personal values (see ImportRun.error).
 */
@Injectable()
export class ImportRunLog implements OnModuleInit, OnModuleDestroy {
  private readonly subscription = new Subscription();

  constructor(
    private readonly events: ImportRunEvents,
    @InjectPinoLogger('ImportRun') private readonly logger: PinoLogger,
  ) {}

  onModuleInit(): void {
    this.subscription.add(this.events.finished$.subscribe((report) => this.record(report)));
  }

  onModuleDestroy(): void {
    this.subscription.unsubscribe();
  }

  record(report: ImportRun): void {
    if (report.status === 'running') return;
    const { id, dataset, source, status, counts, error } = report;
    const fields = {
      runId: id,
      dataset,
      source,
      status,
      mode: report.mode,
      fileName: report.fileName,
      sizeBytes: report.sizeBytes,
      durationMs:
        report.durationSeconds === null ? null : Math.round(report.durationSeconds * 1000),
      ...counts,
      ...(error && { reason: error }),
    };
    const message =
      `Import run ${status}: ${dataset} (${source}), ${counts.rowsRead} read, ` +
      `${counts.inserted} inserted, ${counts.updated} updated, ${counts.unchanged} unchanged, ` +
      `${counts.rejected} rejected${error ? `: ${error}` : ''}`;
    // A failed run is a warning: bad input is the sender's to fix, and an unexpected failure
    // has its own error line with the stack (ImportService). Rejected rows deserve a look too.
    if (status === 'failed' || counts.rejected > 0) this.logger.warn(fields, message);
    else this.logger.info(fields, message);
  }
}
