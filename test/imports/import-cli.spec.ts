import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, createWriteStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SAMPLE_SIZES } from '../../src/sample-data/sample-data-generator';
import { writeSampleFile } from '../../src/sample-data/sample-file-writer';
import { copyUnderWay } from '../support/copy-progress';
import { fixture } from '../support/import-harness';
import { TestDatabase } from '../support/test-database';

const CLI = join(__dirname, '../../dist/src/cli/import.js');

function runCli(db: TestDatabase, args: string[]): { child: ChildProcess; output: () => string } {
  const env = db.environment({ LOG_LEVEL: 'warn' });
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', ...(env as Record<string, string>) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return { child, output: () => output };
}

async function finished(run: {
  child: ChildProcess;
  output: () => string;
}): Promise<{ code: number | null; output: string }> {
  const [code] = (await once(run.child, 'exit')) as [number | null];
  return { code, output: run.output() };
}

describe('npm run import (CLI)', () => {
  let db: TestDatabase;
  const count = async (sql: string) =>
    db.asOwner(async (c) => Number((await c.query<{ n: string }>(sql)).rows[0].n));

  beforeAll(async () => {
    db = await TestDatabase.create();
  });
  afterAll(() => db.drop());

  it('imports files and directories with plain log lines when not on a terminal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-dir-'));
    copyFileSync(fixture('ok/magasins_quoted.csv'), join(dir, 'Magasins.csv'));
    copyFileSync(fixture('ok/cameras_timestamps.csv'), join(dir, 'Cam_ras_Intelligentes.csv'));
    const { code, output } = await finished(runCli(db, [fixture('ok/clients.csv'), dir]));
    expect(output).toMatch(/clients\.csv → clients: succeeded .* 3 read, 3 inserted/);
    expect(output).toMatch(/Magasins\.csv → magasins: succeeded/);
    expect(output).toMatch(/Cam_ras_Intelligentes\.csv → cameras: succeeded .* 3 inserted/);
    expect(code).toBe(0);
    expect(
      await count(
        `SELECT count(*) AS n FROM import_runs WHERE source = 'cli' AND status = 'succeeded'`,
      ),
    ).toBe(3);
  });

  it('with --atomic loads nothing from a file with bad rows and exits non-zero', async () => {
    const { code, output } = await finished(
      runCli(db, ['--atomic', '--dataset', 'clients', fixture('not-ok/clients_bad_values.csv')]),
    );
    expect(output).toMatch(/atomic import refused: 7 invalid row\(s\)/);
    expect(output).toMatch(/line 3 \[email\]: not an e-mail address/);
    expect(code).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM clients WHERE client_id > 60`)).toBe(0);
  });

  it('prints the warnings and rejections of shifted clients files without a personal value', async () => {
    const { code, output } = await finished(
      runCli(db, [
        '--dataset',
        'clients',
        fixture('not-ok/clients_shifted_row.csv'),
        fixture('not-ok/clients_shifted_header.csv'),
      ]),
    );
    expect(code).toBe(0);
    expect(output).toMatch(/line 3 \[date_inscription\]: not a valid date/);
    expect(output).toMatch(/line 4 \[client_id\]: not an integer/);
    expect(output).toMatch(/warning: unknown column\(s\) ignored at position\(s\) 9, 10 /);
    expect(output).toMatch(/line 3 \[ignored column 9\]: 10 fields expected, 8 found/);
    expect(output).not.toMatch(/zq|1931-07-13/i);
  });

  it('leaves no partial data when killed mid-file, and the next import marks the run interrupted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-crash-'));
    const big = join(dir, 'clients.csv');
    await writeSampleFile(
      createWriteStream(big),
      'clients',
      { ...DEFAULT_SAMPLE_SIZES, clients: 60_000 },
      3,
    );
    const before = await count('SELECT count(*) AS n FROM clients');
    const victim = runCli(db, [big]);
    const exited = once(victim.child, 'exit');
    // Killed only once PostgreSQL reports the COPY under way: the kill lands mid-write.
    const watcher = await db.connect();
    try {
      const stillRunning = () => victim.child.exitCode === null;
      expect(await copyUnderWay(watcher, { stillRunning })).toBeGreaterThan(0);
    } finally {
      await watcher.end();
    }
    victim.child.kill('SIGKILL');
    await exited;

    expect(await count('SELECT count(*) AS n FROM clients')).toBe(before);
    expect(await count(`SELECT count(*) AS n FROM import_runs WHERE status = 'running'`)).toBe(1);

    const next = await finished(
      runCli(db, ['--dataset=clients', fixture('ok/clients_dates_fr.csv')]),
    );
    expect(next.code).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM import_runs WHERE status = 'running'`)).toBe(0);
    expect(
      await count(
        `SELECT count(*) AS n FROM import_runs WHERE status = 'failed' AND error = 'interrupted'`,
      ),
    ).toBe(1);
    expect(await count('SELECT count(*) AS n FROM clients')).toBe(before + 1);
  });

  it('ends with a summary table over all files, and the last progress line of each file shows its real row count', async () => {
    const { code, output } = await finished(
      runCli(db, [
        fixture('ok/clients.csv'),
        '--dataset=clients',
        fixture('not-ok/clients_bad_values.csv'),
      ]),
    );
    expect(code).toBe(0);
    const lines = output.trimEnd().split('\n');
    const lastProgress = (file: string) =>
      lines.filter((l) => l.startsWith(`${file}: `) && / rows, /.test(l)).at(-1);

    const table = lines.slice(lines.findIndex((l) => l.startsWith('file ')));
    const cells = (line: string) => line.trim().split(/\s{2,}/);
    expect(cells(table[0])).toEqual([
      'file',
      'dataset',
      'read',
      'inserted',
      'updated',
      'unchanged',
      'rejected',
      'time',
      'status',
    ]);
    expect(table[1]).toMatch(/^[- ]+$/);
    const [ok, bad] = [cells(table[2]), cells(table[3])];
    const counts = (row: string[]) => row.slice(2, 7).map(Number);
    expect(ok.slice(0, 3)).toEqual(['clients.csv', 'clients', '3']);
    expect(counts(ok)[4]).toBe(0);
    expect(counts(ok)[1] + counts(ok)[2] + counts(ok)[3]).toBe(3);
    expect(ok[7]).toMatch(/^\d+\.\d{3}s$/);
    expect(ok[8]).toBe('succeeded');
    expect(bad[0]).toBe('clients_bad_values.csv');
    const [read, ...outcomes] = counts(bad);
    expect(outcomes.reduce((a, b) => a + b, 0)).toBe(read);
    expect(outcomes[3]).toBeGreaterThan(0);
    // The progress reporter's last line shows the rows the file really had, not 0.
    expect(lastProgress('clients.csv')).toMatch(/^clients\.csv: 3 rows, /);
    expect(lastProgress('clients_bad_values.csv')).toMatch(
      new RegExp(`^clients_bad_values\\.csv: ${read} rows, `),
    );
    expect(table[4]).toMatch(/^[- ]+$/);
    const total = cells(table[5]);
    expect(total[0]).toBe('total');
    expect(Number(total[1])).toBe(3 + read);
    expect(total.at(-1)).toBe('succeeded');
  });

  it('reads a file in the character set --encoding names, and refuses an unknown one', async () => {
    const utf16 = fixture('not-ok/clients_utf16le_no_bom.csv');
    const guessed = await finished(runCli(db, [utf16, '--dataset', 'clients']));
    expect(guessed.code).toBe(1);
    expect(guessed.output).toMatch(/failed .*: not a CSV text file: .*encoding=utf-16le/);
    expect(guessed.output).not.toMatch(/zq/i);
    const told = await finished(
      runCli(db, [utf16, '--dataset', 'clients', '--encoding', 'UTF16LE']),
    );
    expect(told.output).toMatch(/→ clients: succeeded .* 1 read, 1 inserted/);
    expect(told.code).toBe(0);
    const unknown = await finished(runCli(db, [utf16, '--encoding', 'ebcdic']));
    expect(unknown.output).toMatch(
      /--encoding must be one of utf-8, windows-1252, utf-16le, utf-16be/,
    );
    expect(unknown.code).toBe(2);
  });
});
