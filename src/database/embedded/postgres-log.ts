/**
 * PostgreSQL's own output (its stderr): kept in a capped file under DATA_DIR, forwarded to an
 * optional listener, and read for what an operator must see in the service log (a PANIC, a
 * full disk, a server process that crashed) and for the one-line reason of a failure. Statement
 * errors (bad input) are not surfaced: the service reports those itself, and their DETAIL may
 * quote the rejected values.
 */
import type { CappedLogFile } from './capped-log-file';

export interface SurfacedLogger {
  warn(message: string): void;
  error?(message: string): void;
}

export interface PostgresLogOptions {
  onLog?: (text: string) => void;
  file?: CappedLogFile;
  surface?: SurfacedLogger;
}

/** Enough to find why it stopped: a disk-full PANIC is followed by a dozen shutdown lines. */
const RECENT_LINES = 50;
const PROBLEM = /\b(FATAL|PANIC|ERROR):\s+(.*)$/;
const INITDB_PROBLEM = /^initdb: error: (.*)$/;
const DISK = /No space left on device|could not (write|extend|fsync)/i;
/** Consequences of a crash or a shutdown, not causes: the causing line is surfaced instead. */
const ROUTINE_FATAL =
  /terminating connection due to (administrator command|unexpected postmaster exit)|the database system is (shutting down|starting up|not yet accepting connections|in recovery mode)|connection to client lost/;
const CRASH_LOG =
  /was terminated by signal|exited with exit code|terminating any other active server processes|all server processes terminated; reinitializing|database system was interrupted|aborting startup|could not write|No space left/;

export class PostgresLog {
  private partial = '';
  private readonly recent: string[] = [];
  private lastProblem?: string;

  constructor(private readonly options: PostgresLogOptions = {}) {}

  /** Takes a chunk of output; returns it as text. */
  add(chunk: Buffer): string {
    const text = chunk.toString('utf8');
    this.options.onLog?.(text);
    this.options.file?.write(text);
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.line(line.trim());
    return text;
  }

  /** The last complaint (FATAL, PANIC, ERROR, initdb's error), else the last line. */
  problem(): string | undefined {
    return this.lastProblem ?? this.recent[this.recent.length - 1];
  }

  recentLines(): string[] {
    return this.partial.trim() ? [...this.recent, this.partial.trim()] : [...this.recent];
  }

  private line(line: string): void {
    if (!line) return;
    this.recent.push(line);
    if (this.recent.length > RECENT_LINES) this.recent.shift();
    const problem = PROBLEM.exec(line) ?? INITDB_PROBLEM.exec(line);
    if (problem) this.lastProblem = problem[problem.length - 1].trim();
    this.surface(line, problem?.[1]);
  }

  private surface(line: string, level: string | undefined): void {
    const logger = this.options.surface;
    if (!logger) return;
    const error = (message: string) => (logger.error ?? logger.warn).call(logger, message);
    if (level === 'PANIC' || (DISK.test(line) && (level === 'ERROR' || level === 'FATAL'))) {
      error(`PostgreSQL: ${line}`);
    } else if (level === 'FATAL' && !ROUTINE_FATAL.test(line)) {
      logger.warn(`PostgreSQL: ${line}`);
    } else if (!level && CRASH_LOG.test(line)) {
      logger.warn(`PostgreSQL: ${line}`);
    }
  }
}
