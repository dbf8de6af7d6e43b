import { PostgresLog } from './postgres-log';

function logWith(lines: string[]) {
  const surfaced: string[] = [];
  const log = new PostgresLog({
    surface: {
      warn: (m) => surfaced.push(`warn ${m}`),
      error: (m) => surfaced.push(`error ${m}`),
    },
  });
  for (const line of lines) log.add(Buffer.from(`${line}\n`));
  return { log, surfaced };
}

describe("PostgreSQL's log as the service reads it", () => {
  it('surfaces a PANIC, a full disk and a crashed server process, not routine lines', () => {
    const { surfaced } = logWith([
      '2026-01-01 10:00:00.000 UTC [7] LOG:  database system is ready to accept connections',
      '2026-01-01 10:00:01.000 UTC [8] ERROR:  duplicate key value violates unique constraint "x"',
      '2026-01-01 10:00:01.000 UTC [8] DETAIL:  Key (email)=(someone@example.com) already exists.',
      '2026-01-01 10:00:02.000 UTC [8] PANIC:  could not write to file "pg_wal/xlogtemp.8": No space left on device',
      '2026-01-01 10:00:02.000 UTC [7] LOG:  server process (PID 8) was terminated by signal 6: Aborted',
      '2026-01-01 10:00:02.000 UTC [9] FATAL:  the database system is in recovery mode',
    ]);
    expect(surfaced).toEqual([
      'error PostgreSQL: 2026-01-01 10:00:02.000 UTC [8] PANIC:  could not write to file "pg_wal/xlogtemp.8": No space left on device',
      'warn PostgreSQL: 2026-01-01 10:00:02.000 UTC [7] LOG:  server process (PID 8) was terminated by signal 6: Aborted',
    ]);
  });

  it('joins lines split across chunks and remembers the last complaint', () => {
    const log = new PostgresLog();
    log.add(Buffer.from('FATAL:  could not bind IPv4 add'));
    log.add(Buffer.from('ress "127.0.0.1": Address in use\nLOG:  database system is shut down\n'));
    expect(log.problem()).toBe('could not bind IPv4 address "127.0.0.1": Address in use');
    expect(log.recentLines()).toEqual([
      'FATAL:  could not bind IPv4 address "127.0.0.1": Address in use',
      'LOG:  database system is shut down',
    ]);
  });
});
