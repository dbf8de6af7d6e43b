import { Global, Injectable, Module } from '@nestjs/common';
import { Observable, Subject } from 'rxjs';
import type { ImportReport } from './import-report';

/**
 * Observers (metrics, logs) learn about finished runs here, so ingestion does not depend on
 * them. Published once per run, whatever its status (skipped and failed runs included).
 */
@Injectable()
export class ImportRunEvents {
  private readonly finished = new Subject<ImportReport>();
  readonly finished$: Observable<ImportReport> = this.finished.asObservable();

  publishFinished(report: ImportReport): void {
    this.finished.next(report);
  }
}

@Global()
@Module({ providers: [ImportRunEvents], exports: [ImportRunEvents] })
export class ImportRunEventsModule {}
