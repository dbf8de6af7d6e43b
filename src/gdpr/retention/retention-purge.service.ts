/**
 * Deletes what outlived its retention, target by target, in batches.
 *
 * Several replicas share the database, and each schedules the purge: the first to take the
 * PostgreSQL advisory lock (try-lock, held by a transaction of its own as the directory import
 * scan's is: TransactionAdvisoryLocks) purges, the others skip that tick. Each batch is its own short transaction as `admin` (the role the purge functions are
 * granted to), so no statement runs long or locks more than RETENTION_BATCH_ROWS rows, and what
 * was purged before a failure stays purged. Logs and metrics carry counts only.
 */
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge } from 'prom-client';
import { AppConfig } from '../../config/app-config';
import { RoleScopedTransactions } from '../../database/role-scoped-transactions';
import { TransactionAdvisoryLocks } from '../../database/transaction-advisory-locks';
import { RETENTION_ACTOR } from './inactive-clients.target';
import { RETENTION_TARGETS, RetentionTarget } from './retention-target';
import { RETENTION_LAST_RUN, RETENTION_PURGED_ROWS } from './retention.metrics';

/** Arbitrary constant in the bigint advisory-lock space, distinct from the import and migration locks. */
export const RETENTION_LOCK_KEY = 7_364_110_490;

const DAY_MS = 86_400_000;

export interface PurgedTarget {
  target: string;
  cutoff: string;
  rows: number;
  batches: number;
}

@Injectable()
export class RetentionPurgeService implements OnApplicationShutdown {
  private readonly logger = new Logger('Retention');
  private stopping = false;

  constructor(
    private readonly config: AppConfig,
    private readonly transactions: RoleScopedTransactions,
    private readonly locks: TransactionAdvisoryLocks,
    @Inject(RETENTION_TARGETS) private readonly targets: RetentionTarget[],
    @InjectMetric(RETENTION_PURGED_ROWS) private readonly purged: Counter<'target'>,
    @InjectMetric(RETENTION_LAST_RUN) private readonly lastRun: Gauge,
  ) {
    // Every series exists from the start, so increase() sees the first purge.
    for (const t of targets) this.purged.inc({ target: t.name }, 0);
  }

  onApplicationShutdown(): void {
    this.stopping = true;
  }

  /**
   * One purge of every target, rows older than `now` minus their retention. Returns what each
   * removed, or undefined when another instance holds the retention lock (nothing done).
   */
  async purge(now = new Date()): Promise<PurgedTarget[] | undefined> {
    const held = await this.locks.withLock([RETENTION_LOCK_KEY], 'if-free', () =>
      this.transactions.withConnection(async (client) => {
        const report: PurgedTarget[] = [];
        for (const target of this.targets) {
          if (this.stopping) break;
          const cutoff = new Date(now.getTime() - target.retentionDays * DAY_MS);
          report.push(await this.purgeTarget(client, target, cutoff));
        }
        if (!this.stopping) this.lastRun.set(Date.now() / 1000);
        this.logger.log(
          `Retention purge removed ${report.map((r) => `${r.rows} ${r.target}`).join(', ')} row(s)`,
        );
        return report;
      }),
    );
    if (!held)
      this.logger.debug('Another instance holds the retention lock; this tick does nothing');
    return held?.value;
  }

  private async purgeTarget(
    client: Parameters<Parameters<RoleScopedTransactions['withConnection']>[0]>[0],
    target: RetentionTarget,
    cutoff: Date,
  ): Promise<PurgedTarget> {
    const limit = this.config.retention.batchRows;
    let rows = 0;
    let batches = 0;
    for (;;) {
      const deleted = await this.transactions.runOn(
        client,
        { role: 'admin', keys: 'none', claims: { sub: RETENTION_ACTOR } },
        (c) => target.purgeBatch(c, cutoff, limit),
      );
      batches++;
      rows += deleted;
      this.purged.inc({ target: target.name }, deleted);
      if (deleted < limit || this.stopping) break;
    }
    return { target: target.name, cutoff: cutoff.toISOString(), rows, batches };
  }
}
