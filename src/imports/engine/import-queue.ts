/**
 * Admission of imports inside one instance, before any database connection is taken.
 *
 * Why here and not in PostgreSQL: waiting in `pg_advisory_lock` holds a pool connection, so ten
 * uploads queued that way took every connection while the lock holder needed one more for its
 * work, and the whole service froze. Waiting here costs a promise. At most `maxRunning` imports
 * run at once (each holds exactly one pool connection, and the pool has one more per import
 * than DB_POOL_SIZE, so requests always keep DB_POOL_SIZE of them), one per
 * dataset at a time (imports of different datasets run side by side: each merges into its own
 * table, and a child's orphan check only sees committed parents, so a race costs rejections
 * counted as such, never wrong rows). At most `maxWaiting` wait; more are refused at once, and a
 * wait is bounded by its deadline: either way the caller gets a 503 with Retry-After, never a hang.
 */
import { Injectable } from '@nestjs/common';
import type { DatasetName } from '../../catalog/dataset.types';
import { AppConfig } from '../../config/app-config';
import { unavailable } from '../../database/database-unavailable';

export interface ImportTurn {
  /** How long this import waited for its turn in this instance. */
  readonly waitedMs: number;
  /** When its turn's deadline passes (for the cross-instance lock wait that follows). */
  readonly deadline: number;
  release(): void;
}

interface Waiter {
  dataset: DatasetName;
  enqueuedAt: number;
  deadline: number;
  admit: (turn: ImportTurn) => void;
  timer: NodeJS.Timeout;
}

export const queueFull = (waiting: number) =>
  unavailable(
    `${waiting} import(s) are already waiting in this instance (IMPORT_QUEUE_MAX); retry later`,
    { retryAfterSeconds: 30 },
  );

@Injectable()
export class ImportQueue {
  private readonly runningSince = new Map<ImportTurn, { dataset: DatasetName; since: number }>();
  private readonly waiters: Waiter[] = [];

  constructor(private readonly config: AppConfig) {}

  get waiting(): number {
    return this.waiters.length;
  }

  get running(): number {
    return this.runningSince.size;
  }

  /** Seconds since the oldest running import of this instance started (0 when none runs). */
  oldestRunningSeconds(now = Date.now()): number {
    let oldest = now;
    for (const { since } of this.runningSince.values()) oldest = Math.min(oldest, since);
    return (now - oldest) / 1000;
  }

  /** Refuses early (before an upload's body is read) when the queue is already full. */
  assertRoom(): void {
    if (this.waiters.length >= this.config.importQueueMax) throw queueFull(this.waiters.length);
  }

  /** Resolves when this import may run; the caller must release the turn when done. */
  async enter(dataset: DatasetName): Promise<ImportTurn> {
    const now = Date.now();
    const deadline = now + this.config.importWaitTimeoutMs;
    if (this.canStart(dataset, this.waiters.length)) return this.start(dataset, now, deadline);
    this.assertRoom();
    return new Promise<ImportTurn>((resolve, reject) => {
      const waiter: Waiter = {
        dataset,
        enqueuedAt: now,
        deadline,
        admit: resolve,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(
            unavailable(
              `waited ${Math.round(this.config.importWaitTimeoutMs / 1000)} s for other imports to finish (IMPORT_WAIT_TIMEOUT_MS); nothing was imported, retry later`,
              { retryAfterSeconds: 30 },
            ),
          );
        }, deadline - now).unref(),
      };
      this.waiters.push(waiter);
    });
  }

  /** First come, first served, except that a waiter never blocks another dataset's import. */
  private canStart(dataset: DatasetName, ahead: number): boolean {
    if (this.runningSince.size >= this.config.importConcurrency) return false;
    for (const t of this.runningSince.values()) if (t.dataset === dataset) return false;
    return !this.waiters.slice(0, ahead).some((w) => w.dataset === dataset);
  }

  private start(dataset: DatasetName, enqueuedAt: number, deadline: number): ImportTurn {
    let released = false;
    const turn: ImportTurn = {
      waitedMs: Date.now() - enqueuedAt,
      deadline,
      release: () => {
        if (released) return;
        released = true;
        this.runningSince.delete(turn);
        this.admitWaiters();
      },
    };
    this.runningSince.set(turn, { dataset, since: Date.now() });
    return turn;
  }

  private admitWaiters(): void {
    for (let i = 0; i < this.waiters.length;) {
      const w = this.waiters[i];
      if (!this.canStart(w.dataset, i)) {
        i++;
        continue;
      }
      this.waiters.splice(i, 1);
      clearTimeout(w.timer);
      w.admit(this.start(w.dataset, w.enqueuedAt, w.deadline));
    }
  }
}
