/**
 * Records the outcome of runs whose database went away mid-import. The run's data was rolled
 * back with its transaction; its row still says `running`, and this records it as failed (with
 * the reason) once the database answers again, so no run is left `running` by an outage while
 * the process lives. (A process that dies is covered by the next import's, or the next start's,
 * recovery pass: see ImportLock.)
 *
 * When the outage was the embedded PostgreSQL dying under the run, the recorded error says why
 * (killed, disk full, crashed), as the supervisor found it, rather than the driver's "Connection
 * terminated unexpectedly".
 */
import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { DatabaseServerStatus } from '../../database/database-server-status';
import { ImportRunEvents } from './import-run-events';
import { ImportRunsRepository, RunOutcome } from './import-runs.repository';

const RECORD_RETRY_MS = 2_000;
/** A bound on memory during a long outage; beyond it the recovery pass still marks them. */
const MAX_PENDING = 10_000;

interface PendingOutcome {
  outcome: RunOutcome;
  failedAt: Date;
  /** The server outage that may explain the failure (DatabaseServerStatus.outageToExplain). */
  outage: number;
}

@Injectable()
export class RunOutcomeRecorder implements OnModuleDestroy {
  private readonly logger = new Logger('Imports');
  private readonly pending = new Map<string, PendingOutcome>();
  private timer?: NodeJS.Timeout;
  private flushing = false;

  constructor(
    private readonly runs: ImportRunsRepository,
    private readonly events: ImportRunEvents,
    private readonly server: DatabaseServerStatus,
  ) {}

  recordLater(id: string, outcome: RunOutcome): void {
    if (this.pending.size >= MAX_PENDING) return;
    this.pending.set(id, { outcome, failedAt: new Date(), outage: this.server.outageToExplain() });
    this.timer ??= setInterval(() => void this.flush(), RECORD_RETRY_MS).unref();
  }

  /** Tries every pending outcome once; keeps those the database still refuses. */
  async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      for (const [id, pending] of this.pending) {
        const outcome = this.explained(pending);
        try {
          await this.runs.finish(id, outcome);
        } catch {
          return; // still down: try again on the next round
        }
        this.pending.delete(id);
        this.logger.warn(`Recorded run ${id} as failed: ${outcome.error ?? outcome.failureKind}`);
        const report = await this.runs.findOne(id).catch(() => undefined);
        if (report) this.events.publishFinished(report);
      }
    } finally {
      this.flushing = false;
      if (!this.pending.size) this.stop();
    }
  }

  private explained({ outcome, failedAt, outage }: PendingOutcome): RunOutcome {
    const cause = outcome.failureKind === 'unavailable' && this.server.explain(outage, failedAt);
    if (!cause) return outcome;
    const detail = outcome.error ? ` (${outcome.error})` : '';
    return { ...outcome, error: `${cause.cause}; the import was rolled back${detail}` };
  }

  onModuleDestroy(): void {
    this.stop();
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
