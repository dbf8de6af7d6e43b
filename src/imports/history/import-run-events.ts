import { Global, Injectable, Module } from '@nestjs/common';
import { Observable, Subject } from 'rxjs';
import type { DatasetName } from '../../catalog/dataset.types';
import type { ImportRun } from './import-run';

export interface ImportWait {
  dataset: DatasetName;
  seconds: number;
}

export interface UnchangedFile {
  dataset: DatasetName;
  /** True when that content was imported successfully, so the dataset is up to date. */
  upToDate: boolean;
}

/**
 * Observers (metrics, logs) learn about finished runs here, so ingestion does not depend on
 * them. Published once per run, whatever its status (skipped and failed runs included).
 */
@Injectable()
export class ImportRunEvents {
  private readonly finished = new Subject<ImportRun>();
  readonly finished$: Observable<ImportRun> = this.finished.asObservable();

  private readonly unchanged = new Subject<UnchangedFile>();
  /** A scanned file whose content was handled before and was not imported again. */
  readonly unchanged$: Observable<UnchangedFile> = this.unchanged.asObservable();

  publishFinished(report: ImportRun): void {
    this.finished.next(report);
  }

  private readonly waited = new Subject<ImportWait>();
  /** An import got its turn (in this instance and across instances) after waiting this long. */
  readonly waited$: Observable<ImportWait> = this.waited.asObservable();

  publishWaited(dataset: DatasetName, seconds: number): void {
    this.waited.next({ dataset, seconds });
  }

  publishUnchanged(dataset: DatasetName, upToDate: boolean): void {
    this.unchanged.next({ dataset, upToDate });
  }
}

@Global()
@Module({ providers: [ImportRunEvents], exports: [ImportRunEvents] })
export class ImportRunEventsModule {}
