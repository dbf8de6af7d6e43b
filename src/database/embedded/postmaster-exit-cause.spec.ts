import { classifyPostmasterExit } from './postmaster-exit-cause';

const exit = (code: number | null, signal: NodeJS.Signals | null = null) => ({
  pid: 42,
  code,
  signal,
});

describe('why the embedded postmaster exited', () => {
  it('names a full disk from the log, whatever the exit status', () => {
    const lines = [
      '2026-01-01 LOG:  checkpoint starting: wal',
      '2026-01-01 PANIC:  could not write to file "pg_wal/xlogtemp.77": No space left on device',
      '2026-01-01 LOG:  database system is shut down',
    ];
    expect(classifyPostmasterExit(exit(1), lines)).toEqual({
      reason: 'disk-full',
      text: 'stopped because its disk is full (could not write to file "pg_wal/xlogtemp.77": No space left on device)',
    });
  });

  it('names the signal that killed it', () => {
    expect(classifyPostmasterExit(exit(null, 'SIGKILL'), [])).toEqual({
      reason: 'killed',
      text: 'was killed by SIGKILL (kill -9 or the kernel OOM killer)',
    });
    expect(classifyPostmasterExit(exit(null, 'SIGSEGV'), []).text).toBe('was killed by SIGSEGV');
  });

  it("quotes PostgreSQL's last complaint when it crashed", () => {
    const lines = ['FATAL:  could not open file "global/pg_control": Permission denied'];
    expect(classifyPostmasterExit(exit(1), lines)).toEqual({
      reason: 'crashed',
      text: 'crashed (exit code 1): could not open file "global/pg_control": Permission denied',
    });
  });

  it('tells a shutdown nobody in this process asked for', () => {
    expect(classifyPostmasterExit(exit(0), ['LOG:  database system is shut down']).reason).toBe(
      'shut-down',
    );
  });
});
