import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// Compiled entry points under dist/src/cli (the benchmark tooling's under dist/bench/cli).
// Every CLI parses its arguments before touching a database, so these need none.
const CLIS: [string, string][] = [
  ['import', 'import.js'],
  ['token', 'token.js'],
  ['data:generate', 'generate-data.js'],
  ['migration:run', 'migrate.js'],
  ['keys:verify', 'verify-keys.js'],
  ['db:backup', 'backup-database.js'],
  ['db:restore', 'restore-database.js'],
  ['bench', '../../bench/cli/bench.js'],
  ['bench:read', '../../bench/cli/bench-read.js'],
  ['load', '../../bench/cli/load.js'],
];

function run(file: string, args: string[]) {
  const result = spawnSync(
    process.execPath,
    [join(__dirname, '../../dist/src/cli', file), ...args],
    {
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' },
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('every CLI', () => {
  it.each(CLIS)('npm run %s -- --help prints its usage on stdout and exits 0', (name, file) => {
    const { code, stdout, stderr } = run(file, ['--help']);
    expect(code).toBe(0);
    expect(stdout.startsWith(`usage: npm run ${name}`)).toBe(true);
    expect(stderr).toBe('');
  });

  it.each(CLIS)(
    'npm run %s -- --no-such-flag is a usage error: exit 2, one reason, the usage',
    (name, file) => {
      const { code, stdout, stderr } = run(file, ['--no-such-flag']);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      const [reason, usage] = stderr.split('\n');
      expect(reason).toMatch(new RegExp(`^${name}: unknown option '?--no-such-flag'?$`, 'i'));
      expect(usage).toMatch(`usage: npm run ${name}`);
    },
  );

  it.each([
    ['import', 'import.js', ['--dataset'], "import: Option '--dataset <value>' argument missing"],
    ['import', 'import.js', [], 'import: missing argument'],
    [
      'data:generate',
      'generate-data.js',
      ['--clients', 'many'],
      'data:generate: --clients must be a positive integer',
    ],
    [
      'load',
      '../../bench/cli/load.js',
      ['--duration', '0'],
      'load: --duration must be an integer from 1 to 600',
    ],
    ['migration:run', 'migrate.js', ['now'], "migration:run: Unexpected argument 'now'"],
  ])('npm run %s with a missing or bad argument exits 2 (%j)', (_name, file, args, reason) => {
    const { code, stderr } = run(file, args);
    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toContain(reason);
  });

  it('npm run import names a missing file in one line and exits 2, before starting any database', () => {
    const { code, stdout, stderr } = run('import.js', ['/nonexistent/clients.csv']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('import: no such file or directory: /nonexistent/clients.csv\n');
  });

  it('a failed run exits 1 and says why, without a stack: migration:run with an incomplete configuration', () => {
    const { code, stderr } = run('migrate.js', []);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^migration:run failed: /);
    expect(stderr).toContain('GRAFANA_DB_PASSWORD must be set');
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});
