/**
 * Whether a file in the import directory has stopped changing: its size and modification time
 * have stayed the same for the settle period (IMPORT_SETTLE_MS). A file still being written is
 * otherwise imported with its last line cut in the middle (123.45 stored as 123).
 *
 * Two clocks say "unchanged for that long", and either is enough: the modification time's age
 * (so a file that has lain there for an hour is imported at the first scan after a restart), and
 * how long this process has seen the same size and time (so a file stamped in the future by a
 * writer with a skewed clock still settles).
 */
import { performance } from 'node:perf_hooks';

export interface FileState {
  size: number;
  mtimeMs: number;
}

interface Seen extends FileState {
  since: number;
}

export interface SettleClock {
  /** Wall-clock milliseconds, the clock modification times are written in. */
  now(): number;
  /** Milliseconds that never go backwards, for how long this process has watched. */
  monotonic(): number;
}

const SYSTEM_CLOCK: SettleClock = { now: () => Date.now(), monotonic: () => performance.now() };

export class FileSettleWatch {
  private readonly seen = new Map<string, Seen>();

  constructor(
    private readonly settleMs: number,
    private readonly clock: SettleClock = SYSTEM_CLOCK,
  ) {}

  settled(path: string, state: FileState): boolean {
    const now = this.clock.monotonic();
    let seen = this.seen.get(path);
    if (!seen || seen.size !== state.size || seen.mtimeMs !== state.mtimeMs) {
      seen = { ...state, since: now };
      this.seen.set(path, seen);
    }
    const unchangedFor = Math.max(this.clock.now() - state.mtimeMs, now - seen.since);
    return unchangedFor >= this.settleMs;
  }

  /** Forgets files no longer in the directory, so the watch does not grow without end. */
  keepOnly(paths: readonly string[]): void {
    const present = new Set(paths);
    for (const path of this.seen.keys()) if (!present.has(path)) this.seen.delete(path);
  }
}
