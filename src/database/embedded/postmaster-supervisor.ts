/**
 * Watches the postmaster this process started. When it exits without being asked to (killed,
 * crashed, out of disk), it says why in one log line and in readiness (DatabaseServerStatus),
 * ends the server processes it left behind, and starts it again after a delay that doubles
 * with each consecutive failure. After `maxRestarts` failed attempts (or crashes of a restarted
 * server within STABLE_AFTER_MS) it gives up and `onGiveUp` exits the process non-zero, so that
 * the process supervisor (systemd, Docker's restart policy, Kubernetes) takes over with a clean
 * start. The pool needs nothing: it opens new connections once the server is back.
 */
import { DatabaseServerStatus, ServerOutage } from '../database-server-status';
import { classifyPostmasterExit, PostmasterExit } from './postmaster-exit-cause';
import type { PostmasterProcess } from './postgres-server';

export interface SupervisionOptions {
  /** Consecutive failed restarts before giving up (0: give up at the first exit). */
  maxRestarts: number;
  /** The first restart's delay; each consecutive failure doubles it, up to MAX_DELAY_MS. */
  firstDelayMs: number;
  /** Called once, when restarting failed `maxRestarts` times: exit non-zero there. */
  onGiveUp: (outage: ServerOutage) => void;
}

export interface SupervisorLogger {
  log(message: string): void;
  warn(message: string): void;
  error?(message: string): void;
}

const MAX_DELAY_MS = 30_000;
/** A restarted server that runs this long has recovered: the failure count starts again. */
export const STABLE_AFTER_MS = 60_000;

export class PostmasterSupervisor {
  private failures = 0;
  private stopped = false;
  private stableTimer?: NodeJS.Timeout;
  private wake?: () => void;
  private recovering?: Promise<void>;

  constructor(
    private readonly restart: () => Promise<PostmasterProcess>,
    private readonly status: DatabaseServerStatus,
    private readonly logger: SupervisorLogger,
    private readonly options: SupervisionOptions,
  ) {}

  watch(server: PostmasterProcess): void {
    void server.exited.then((exit) => {
      if (server.stopping || this.stopped) return;
      this.recovering = this.recover(server, exit);
    });
  }

  /** No restart after this; waits for one under way (its server is then the caller's to stop). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.stableTimer);
    this.wake?.();
    await this.recovering;
  }

  private async recover(server: PostmasterProcess, exit: PostmasterExit): Promise<void> {
    clearTimeout(this.stableTimer);
    server.killLeftovers();
    const why = classifyPostmasterExit(exit, server.log.recentLines());
    const outage = this.status.begin(
      `the embedded PostgreSQL (pid ${exit.pid}) ${why.text}`,
      why.reason,
      'restarting it',
    );
    for (;;) {
      if (this.failures >= this.options.maxRestarts) return this.giveUp(outage);
      this.failures++;
      const delayMs = Math.min(this.options.firstDelayMs * 2 ** (this.failures - 1), MAX_DELAY_MS);
      outage.action = `restarting it in ${delayMs / 1000} s (attempt ${this.failures} of ${this.options.maxRestarts})`;
      this.error(`${capitalised(outage.cause)}: ${outage.action}`);
      await this.sleep(delayMs);
      if (this.stopped) return;
      try {
        const next = await this.restart();
        this.status.recovered();
        const downSeconds = (Date.now() - outage.since.getTime()) / 1000;
        this.logger.log(
          `Restarted the embedded PostgreSQL (pid ${next.pid}) ${downSeconds.toFixed(1)} s after ${outage.cause.replace(/^the embedded PostgreSQL /, 'it ')}`,
        );
        this.watch(next);
        this.stableTimer = setTimeout(() => (this.failures = 0), STABLE_AFTER_MS).unref();
        return;
      } catch (error) {
        this.logger.warn(
          `Restarting the embedded PostgreSQL failed: ${error instanceof Error ? error.message : String(error)}`,
        );
        if (this.stopped) return;
      }
    }
  }

  private giveUp(outage: ServerOutage): void {
    outage.action = `gave up after ${this.options.maxRestarts} restart(s) (EMBEDDED_PG_MAX_RESTARTS): exiting`;
    this.error(
      `${capitalised(outage.cause)}; ${outage.action} so that the process supervisor restarts SmartRetail`,
    );
    this.options.onGiveUp(outage);
  }

  private error(message: string): void {
    (this.logger.error ?? this.logger.warn).call(this.logger, message);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
