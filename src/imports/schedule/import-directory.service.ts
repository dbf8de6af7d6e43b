/**
 * The scheduled import's work: scan a directory, match files to datasets by name, and import
 * them in foreign-key order under the scan lock, skipping content already imported and files
 * still being written (see FileSettleWatch).
 */
import { Injectable, Logger } from '@nestjs/common';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { datasetCatalog } from '../../catalog/dataset-catalog';
import type { DatasetSpec } from '../../catalog/dataset.types';
import { AppConfig } from '../../config/app-config';
import { datasetForFile, hasControlCharacter, isInProgressName } from './dataset-file-matcher';
import { isInterrupted } from '../../database/transaction-interrupter';
import { ImportLock } from '../engine/import-lock';
import { ImportRunEvents } from '../history/import-run-events';
import type { ImportRun } from '../history/import-run';
import { ImportRunsRepository } from '../history/import-runs.repository';
import { ImportService } from '../engine/import.service';
import { FileSettleWatch } from './file-settle-watch';
import { ScannedFile } from './scanned-file';
import { parentsOf, ScanProgress } from './scan-progress';

export interface ImportFile {
  path: string;
  name: string;
  dataset: DatasetSpec;
}

/** What one file came to in a scan: its run, if one was recorded, and whether its rows are in. */
interface FileResult {
  report?: ImportRun;
  loaded: boolean;
}

/** The directory's CSV files that match a dataset, parents before children. */
export async function importFilesIn(
  dir: string,
  onIgnored?: (name: string, why: string) => void,
): Promise<ImportFile[]> {
  const order = datasetCatalog.all().map((d) => d.name);
  const files: ImportFile[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isFile() || isInProgressName(entry.name)) continue;
    const dataset = datasetForFile(entry.name);
    if (dataset) files.push({ path: join(dir, entry.name), name: entry.name, dataset });
    else if (hasControlCharacter(entry.name))
      onIgnored?.(entry.name, 'its name holds a control character');
    else if (/\.csv$/i.test(entry.name)) onIgnored?.(entry.name, 'no dataset has that name');
  }
  return files.sort(
    (a, b) =>
      order.indexOf(a.dataset.name) - order.indexOf(b.dataset.name) || a.name.localeCompare(b.name),
  );
}

@Injectable()
export class ImportDirectoryService {
  private readonly logger = new Logger('ScheduledImport');
  /** Names already warned about: a stray file is reported once, not at every tick. */
  private readonly ignored = new Set<string>();
  private readonly settle: FileSettleWatch;

  constructor(
    private readonly imports: ImportService,
    private readonly runs: ImportRunsRepository,
    private readonly lock: ImportLock,
    private readonly events: ImportRunEvents,
    config: AppConfig,
  ) {
    this.settle = new FileSettleWatch(config.importSettleMs);
  }

  /**
   * One scan. Returns the reports of the runs it recorded, or `undefined` when another scan (in
   * this or another instance) holds the scan lock: that tick does nothing. Each file is handled
   * on its own: one that fails is recorded as failed and the scan goes on with the next.
   */
  async scan(dir: string): Promise<ImportRun[] | undefined> {
    const result = await this.lock.tryWithScanLock(async () => {
      const reports: ImportRun[] = [];
      const progress = new ScanProgress();
      const files = await importFilesIn(dir, (name, why) => this.warnIgnored(name, why));
      this.settle.keepOnly(files.map((f) => f.path));
      for (const file of files) {
        const { report, loaded } = await this.importOne(file, progress).catch(
          (error: unknown): FileResult => {
            // Shutting down: the rest of the scan waits for the next start.
            if (isInterrupted(error)) throw error;
            this.logger.error(`${file.name}: not imported this time: ${(error as Error).message}`);
            return { loaded: false };
          },
        );
        if (!loaded) progress.notLoaded(file.dataset.name);
        if (report) reports.push(report);
        if (report?.failureKind === 'interrupted') break;
      }
      return reports;
    });
    if (!result) this.logger.debug('Another scan holds the scan lock; this tick does nothing');
    return result?.value;
  }

  private warnIgnored(name: string, why: string): void {
    if (this.ignored.has(name)) return;
    this.ignored.add(name);
    // JSON quoting shows a newline as \n: a file name cannot forge log lines.
    this.logger.warn(`Ignoring ${JSON.stringify(name)}: ${why}`);
  }

  private async importOne(file: ImportFile, progress: ScanProgress): Promise<FileResult> {
    const scanned = await ScannedFile.open(file.path);
    try {
      if (!this.settle.settled(file.path, scanned.state)) {
        this.logger.debug(`${file.name}: still changing, imported once it has settled`);
        return { loaded: false };
      }
      return await this.importSettled(file, scanned, progress);
    } finally {
      await scanned.close();
    }
  }

  /**
   * Unchanged content is not imported again: its skip is recorded once per content, and counted
   * on a metric at every later tick. Content that failed for good (bad input) is not retried
   * until it changes; content cut short by an outage is. Content whose rows were refused as
   * orphans while a parent's file had not loaded is imported again once that parent has.
   */
  private async importSettled(
    file: ImportFile,
    scanned: ScannedFile,
    progress: ScanProgress,
  ): Promise<FileResult> {
    const checksum = await scanned.checksum();
    const prior = await this.runs.priorOutcome(file.dataset.name, checksum);
    const awaited = prior.awaitedParents ?? [];
    const stillAwaited = awaited.filter((parent) => !progress.isLoaded(parent));
    const retryForParents = prior.succeeded && awaited.length > 0 && !stillAwaited.length;
    if ((prior.succeeded || prior.failedForGood) && !retryForParents) {
      this.events.publishUnchanged(file.dataset.name, prior.succeeded);
      const loaded = prior.succeeded && !stillAwaited.length;
      if (!loaded || prior.skipRecorded) return { loaded };
      this.logger.debug(`${file.name}: same content already imported, skipped`);
      const report = await this.imports.recordSkipped(
        file.dataset,
        file.name,
        scanned.state.size,
        checksum,
      );
      return { report, loaded };
    }
    // Its one log line is written by the import-run log, as for every run.
    const { report, awaitedParents } = await this.imports.importContent({
      dataset: file.dataset,
      source: 'schedule',
      mode: 'default',
      fileName: file.name,
      sizeBytes: scanned.state.size,
      checksum,
      content: scanned.content(),
      unloadedParents: parentsOf(file.dataset).filter((p) => !progress.isLoaded(p)),
    });
    return { report, loaded: report.status === 'succeeded' && !awaitedParents?.length };
  }
}
