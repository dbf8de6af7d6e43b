import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CappedLogFile } from './capped-log-file';

describe('a capped log file', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'capped-log-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the newest lines and one previous file, never more than twice its cap', () => {
    const log = new CappedLogFile(join(dir, 'logs', 'postgresql.log'), 100);
    for (let i = 0; i < 30; i++) log.write(`line ${String(i).padStart(2, '0')} of the log\n`);
    log.close();
    const current = readFileSync(join(dir, 'logs', 'postgresql.log'), 'utf8');
    const previous = readFileSync(join(dir, 'logs', 'postgresql.log.1'), 'utf8');
    expect(current).toContain('line 29');
    expect(previous).not.toContain('line 00');
    expect(Buffer.byteLength(previous)).toBeLessThan(100 + 20);
    expect(Buffer.byteLength(current)).toBeLessThan(100 + 20);
  });

  it('never throws when it cannot write, and says afterwards how much was lost', () => {
    const log = new CappedLogFile(join(dir, 'logs', 'postgresql.log'), 1000);
    rmSync(dir, { recursive: true, force: true });
    // A file where its directory should be: every write fails until it is removed.
    writeFileSync(dir, 'not a directory');
    expect(() => log.write('lost line\n')).not.toThrow();
    rmSync(dir, { force: true });
    log.write('kept line\n');
    log.close();
    const text = readFileSync(join(dir, 'logs', 'postgresql.log'), 'utf8');
    expect(text).toMatch(
      /^\[smartretail\] 10 bytes of PostgreSQL's log could not be written here \(\w+\)\nkept line\n$/,
    );
  });
});
