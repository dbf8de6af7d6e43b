/**
 * Why a postmaster exited, in words an operator can act on: the exit status alone says "killed"
 * or "exit code 1", and the reason (a full disk, a corrupt file) is in its last log lines.
 */

export interface PostmasterExit {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
}

export type ExitReason = 'disk-full' | 'killed' | 'crashed' | 'shut-down';

export interface ExitCause {
  reason: ExitReason;
  /** One line, no secret: what happened and, when known, PostgreSQL's own complaint. */
  text: string;
}

const DISK_FULL = /No space left on device|could not extend file|disk quota exceeded/i;
const PROBLEM = /\b(PANIC|FATAL):\s+(.*)$/;

/** `recentLines`: PostgreSQL's last log lines before the exit, oldest first. */
export function classifyPostmasterExit(exit: PostmasterExit, recentLines: string[]): ExitCause {
  const problems = recentLines.map((line) => PROBLEM.exec(line)?.[2]?.trim()).filter(Boolean);
  const diskFull = [...recentLines].reverse().find((line) => DISK_FULL.test(line));
  if (diskFull) {
    return {
      reason: 'disk-full',
      text: `stopped because its disk is full (${(PROBLEM.exec(diskFull)?.[2] ?? diskFull).trim()})`,
    };
  }
  if (exit.signal) {
    return {
      reason: 'killed',
      text: `was killed by ${exit.signal}${exit.signal === 'SIGKILL' ? ' (kill -9 or the kernel OOM killer)' : ''}`,
    };
  }
  const last = problems[problems.length - 1];
  if (exit.code === 0) {
    return { reason: 'shut-down', text: 'shut down without being asked to (pg_ctl stop?)' };
  }
  return {
    reason: 'crashed',
    text: `crashed (exit code ${exit.code ?? 'unknown'})${last ? `: ${last}` : ''}`,
  };
}
