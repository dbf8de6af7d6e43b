/** Runs the retention purge on RETENTION_CRON (registered dynamically: the schedule is configuration). */
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { AppConfig } from '../../config/app-config';
import { RetentionPurgeService } from './retention-purge.service';

export const RETENTION_CRON_JOB = 'retention-purge';

@Injectable()
export class RetentionScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger('Retention');

  constructor(
    private readonly config: AppConfig,
    private readonly registry: SchedulerRegistry,
    private readonly retention: RetentionPurgeService,
  ) {}

  onApplicationBootstrap(): void {
    const { cron, importHistoryDays, auditDays } = this.config.retention;
    const job = CronJob.from({ cronTime: cron, onTick: () => this.tick() });
    this.registry.addCronJob(RETENTION_CRON_JOB, job);
    job.start();
    this.logger.log(
      `Purging on "${cron}": import history after ${importHistoryDays} days, audit after ${auditDays} days`,
    );
  }

  private async tick(): Promise<void> {
    try {
      await this.retention.purge();
    } catch (error) {
      // Batches already committed stay purged; the next tick goes on from there.
      this.logger.error(`Retention purge failed: ${(error as Error).message}`);
    }
  }
}
