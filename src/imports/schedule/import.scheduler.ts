/**
 * Registers the directory import on IMPORT_CRON (dynamically, since the schedule is
 * configuration) and runs it once at start-up when IMPORT_ON_START is true. Ticks never overlap
 * imports: the scan takes the cross-instance import lock or does nothing.
 */
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { AppConfig } from '../../config/app-config';
import { datasetCatalog } from '../../catalog/dataset-catalog';
import { ImportDirectoryService } from './import-directory.service';
import { ImportLock } from '../engine/import-lock';

export const IMPORT_CRON_JOB = 'directory-import';

@Injectable()
export class ImportScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger('ScheduledImport');

  constructor(
    private readonly config: AppConfig,
    private readonly registry: SchedulerRegistry,
    private readonly directory: ImportDirectoryService,
    private readonly lock: ImportLock,
  ) {}

  /**
   * The start-up pass over abandoned runs, not awaited by the start (a slow database must not
   * hold the service back); it never rejects. Tests wait for it before planting runs of their
   * own, which it would otherwise take for a dead process's.
   */
  startupRecovery: Promise<void> = Promise.resolve();

  onApplicationBootstrap(): void {
    // Runs a process died in the middle of are marked failed now, not at their dataset's next
    // import; datasets another instance is importing right now are left to that instance.
    this.startupRecovery = this.lock
      .recoverAbandonedRuns(datasetCatalog.all())
      .catch((error: unknown) =>
        this.logger.warn(`Could not look for interrupted runs: ${(error as Error).message}`),
      );
    const job = CronJob.from({ cronTime: this.config.importCron, onTick: () => this.tick() });
    this.registry.addCronJob(IMPORT_CRON_JOB, job);
    job.start();
    this.logger.log(`Scanning ${this.config.importDir} on "${this.config.importCron}"`);
    if (this.config.importOnStart) void this.tick('start-up');
  }

  private async tick(when = 'tick'): Promise<void> {
    try {
      const reports = await this.directory.scan(this.config.importDir);
      // A tick that recorded nothing (no new content, or another scan held the lock) is not
      // news: at the default level the log shows only ticks that did something.
      if (reports?.length)
        this.logger.log(`Directory import (${when}) done: ${reports.length} file(s)`);
      else this.logger.debug(`Directory import (${when}): nothing new`);
    } catch (error) {
      this.logger.error(`Directory import (${when}) failed: ${(error as Error).message}`);
    }
  }
}
