/**
 * The signals that ask a process to stop: SIGINT (Ctrl-C), SIGTERM (docker stop, systemd,
 * Kubernetes) and SIGHUP (its terminal closed). Without a handler Node dies on the spot and an
 * embedded PostgreSQL it started is left running, so every process that may own one handles all
 * three. The handler runs once; its steps are bounded, so a repeated signal only gets a log line.
 */
import { constants } from 'node:os';

export const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export function onShutdownSignal(
  handler: (signal: NodeJS.Signals) => Promise<void>,
  log: (message: string) => void,
): void {
  let handling = false;
  for (const signal of SHUTDOWN_SIGNALS) {
    process.on(signal, () => {
      if (handling) return log(`${signal} received again: still shutting down`);
      handling = true;
      handler(signal).catch((error: unknown) => {
        log(`Shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      });
    });
  }
}

/** The conventional exit code of a process ended by `signal` (130 for SIGINT, 143 for SIGTERM). */
export const exitCodeFor = (signal: NodeJS.Signals): number => 128 + constants.signals[signal];
