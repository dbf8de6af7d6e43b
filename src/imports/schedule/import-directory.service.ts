/**
 * The scheduled import's work: scan a directory, match files to datasets by name, and import
 * them in foreign-key order under the scan lock, skipping content already imported.
 */
import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { datasetCatalog } from '../../catalog/dataset-catalog';
import type { DatasetSpec } from '../../catalog/dataset.types';
import { datasetForFile } from './dataset-file-matcher';
import { isInterrupted } from '../../database/transaction-interrupter';
import { ImportLock } from '../engine/import-lock';
import { ImportRunEvents } from '../history/import-run-events';
import type { ImportRun } from '../history/import-run';
import { ImportRunsRepository } from '../history/import-runs.repository';
import { ImportService } from '../engine/import.service';

export interface ImportFile {
  path: string;
  name: string;
  dataset: DatasetSpec;
}

/** The directory's CSV files that match a dataset, parents before children. */
export async function importFilesIn(
  dir: string,
  onIgnored?: (name: string) => void,
): Promise<ImportFile[]> {
  const order = datasetCatalog.all().map((d) => d.name);
  const files: ImportFile[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const dataset = datasetForFile(entry.name);
    if (dataset) files.push({ path: join(dir, entry.name), name: entry.name, dataset });
    else if (/\.csv$/i.test(entry.name)) onIgnored?.(entry.name);
  }
  return files.sort(
    (a, b) =>
      order.indexOf(a.dataset.name) - order.indexOf(b.dataset.name) || a.name.localeCompare(b.name),
  );
}

export async function fileChecksum(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

@Injectable()
export class ImportDirectoryService {
  private readonly logger = new Logger('ScheduledImport');
  /** Names already warned about: a stray file is reported once, not at every tick. */
  private readonly ignored = new Set<string>();

  constructor(
    private readonly imports: ImportService,
    private readonly runs: ImportRunsRepository,
    private readonly lock: ImportLock,
    private readonly events: ImportRunEvents,
  ) {}

  /**
   * One scan. Returns the reports of the runs it recorded, or `undefined` when another scan (in
   * this or another instance) holds the scan lock: that tick does nothing. Each file is handled
   * on its own: one that fails is recorded as failed and the scan goes on with the next.
   */
  async scan(dir: string): Promise<ImportRun[] | undefined> {
    const result = await this.lock.tryWithScanLock(async () => {
      const reports: ImportRun[] = [];
      for (const file of await importFilesIn(dir, (name) => this.warnIgnored(name))) {
        const report = await this.importOne(file).catch((error: unknown) => {
          // Shutting down: the rest of the scan waits for the next start.
          if (isInterrupted(error)) throw error;
          this.logger.error(`${file.name}: not imported this time: ${(error as Error).message}`);
          return undefined;
        });
        if (report) reports.push(report);
        if (report?.failureKind === 'interrupted') break;
      }
      return reports;
    });
    if (!result) this.logger.debug('Another scan holds the scan lock; this tick does nothing');
    return result?.value;
  }

  private warnIgnored(name: string): void {
    if (this.ignored.has(name)) return;
    this.ignored.add(name);
    this.logger.warn(`Ignoring ${name}: no dataset has that name`);
  }

  /**
   * Unchanged content is not imported again: its skip is recorded once per content, and counted
   * on a metric at every later tick. Content that failed for good (bad input) is not retried
   * until it changes; content cut short by an outage is.
   */
  private async importOne(file: ImportFile): Promise<ImportRun | undefined> {
    const checksum = await fileChecksum(file.path);
    const { size } = await stat(file.path);
    const prior = await this.runs.priorOutcome(file.dataset.name, checksum);
    if (prior.succeeded || prior.failedForGood) {
      this.events.publishUnchanged(file.dataset.name, prior.succeeded);
      if (!prior.succeeded || prior.skipRecorded) return undefined;
      this.logger.debug(`${file.name}: same content already imported, skipped`);
      return this.imports.recordSkipped(file.dataset, file.name, size, checksum);
    }
    // Its one log line is written by the import-run log, as for every run.
    const { report } = await this.imports.importContent({
      dataset: file.dataset,
      source: 'schedule',
      mode: 'default',
      fileName: file.name,
      sizeBytes: size,
      checksum,
      content: createReadStream(file.path),
    });
    return report;
  }
}
