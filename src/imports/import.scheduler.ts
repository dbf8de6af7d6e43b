/**
 * Registers the directory import on IMPORT_CRON (dynamically, since the schedule is
 * configuration) and runs it once at start-up when IMPORT_ON_START is true. Ticks never overlap
 * imports: the scan takes the cross-instance import lock or does nothing.
 */
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { AppConfig } from '../config/app-config';
import { ImportDirectoryService } from './import-directory.service';

export const IMPORT_CRON_JOB = 'directory-import';

@Injectable()
export class ImportScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger('ScheduledImport');

  constructor(
    private readonly config: AppConfig,
    private readonly registry: SchedulerRegistry,
    private readonly directory: ImportDirectoryService,
  ) {}

  onApplicationBootstrap(): void {
    const job = CronJob.from({ cronTime: this.config.importCron, onTick: () => this.tick() });
    this.registry.addCronJob(IMPORT_CRON_JOB, job);
    job.start();
    this.logger.log(`Scanning ${this.config.importDir} on "${this.config.importCron}"`);
    if (this.config.importOnStart) void this.tick('start-up');
  }

  private async tick(when = 'tick'): Promise<void> {
    try {
      const reports = await this.directory.scan(this.config.importDir);
      if (reports) this.logger.log(`Directory import (${when}) done: ${reports.length} file(s)`);
    } catch (error) {
      this.logger.error(`Directory import (${when}) failed: ${(error as Error).message}`);
    }
  }
}
