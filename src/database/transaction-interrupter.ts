/**
 * Shutdown (SIGTERM, SIGINT) does not wait for an import to finish: one file can take minutes,
 * longer than an orchestrator waits before SIGKILL. Transactions that declare themselves
 * interruptible (one per imported file) are rolled back at once instead, by terminating their
 * database session, which PostgreSQL honours even while COPY waits for a stalled upload. They
 * fail with the `interrupted` error, so the import engine records the run as interrupted (its
 * own shutdown hook waits for that bookkeeping before the pool closes). Nothing is lost that re-importing
 * the file does not redo, since a file is one transaction.
 */
import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError, DomainErrorCode } from '../common/domain-error';

export const interrupted = (): DomainError =>
  new DomainError(DomainErrorCode.Unavailable, 'interrupted', {
    reason: 'the service is shutting down; nothing from this file was kept, send it again',
  });

export const isInterrupted = (error: unknown): boolean =>
  error instanceof DomainError &&
  error.code === DomainErrorCode.Unavailable &&
  error.message === 'interrupted';

/** One open interruptible transaction. */
export class InterruptibleTransaction {
  interrupted = false;
  private committing = false;
  private ended!: () => void;
  readonly done = new Promise<void>((resolve) => (this.ended = resolve));

  constructor(
    readonly backendPid: number,
    private readonly onLeave: () => void,
  ) {}

  /** Marks it interrupted unless COMMIT is already on its way (then it is left to finish). */
  interrupt(): boolean {
    if (this.committing) return false;
    this.interrupted = true;
    return true;
  }

  /** Right before COMMIT: after this, shutdown lets the transaction finish. */
  beforeCommit(): void {
    if (this.interrupted) throw interrupted();
    this.committing = true;
  }

  leave(): void {
    this.onLeave();
    this.ended();
  }
}

@Injectable()
export class TransactionInterrupter implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Shutdown');
  private shuttingDown = false;
  private readonly open = new Set<InterruptibleTransaction>();

  constructor(private readonly dataSource: DataSource) {}

  /** Throws `interrupted` once shutdown has begun: no new import starts then. */
  assertOpen(): void {
    if (this.shuttingDown) throw interrupted();
  }

  enter(backendPid: number): InterruptibleTransaction {
    this.assertOpen();
    const transaction = new InterruptibleTransaction(backendPid, () =>
      this.open.delete(transaction),
    );
    this.open.add(transaction);
    return transaction;
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.interruptAll();
  }

  /**
   * Rolls back every open interruptible transaction and refuses new ones. Idempotent: shutdown
   * hooks of the import engine call it too, then wait for their own bookkeeping.
   */
  async interruptAll(): Promise<void> {
    this.shuttingDown = true;
    const victims = [...this.open].filter((transaction) => transaction.interrupt());
    if (!victims.length) return;
    this.logger.warn(
      `Shutting down: rolling back ${victims.length} import transaction(s) in progress; ` +
        `their runs are recorded as interrupted`,
    );
    try {
      await this.dataSource.query(
        'SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid',
        [victims.map((transaction) => transaction.backendPid)],
      );
    } catch (error) {
      // The database is gone already: the transactions died with it, and nothing can be recorded.
      this.logger.error(`Could not roll the imports back: ${(error as Error).message}`);
      return;
    }
    await Promise.all(victims.map((transaction) => transaction.done));
  }
}
