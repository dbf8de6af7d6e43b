import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadReport } from '../../bench/load-run';
import { LOAD_KINDS } from '../../bench/load-tally';
import { TestDatabase } from '../support/test-database';

const CLI = join(__dirname, '../../dist/bench/cli/load.js');

/**
 * Runs `npm run load`'s compiled entry point. In its own process group, so that a run that
 * overstays is stopped together with the service it started.
 */
function runLoadCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; output: string; report: LoadReport }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const overstay = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), RUN_BOUND_MS - 10_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(overstay);
      const line = /^LOAD (.*)$/m.exec(output);
      if (!line) return reject(new Error(`no LOAD line (exit ${code}):\n${output}`));
      resolve({ code, output, report: JSON.parse(line[1]) as LoadReport });
    });
  });
}

const kind = (report: LoadReport, name: string) => report.kinds.find((k) => k.kind === name)!;

/**
 * A run starts the service and waits for its start-up import: on a loaded 2-core machine that
 * alone may pass jest's default minute. A hang bound, not a speed target.
 */
const RUN_BOUND_MS = 150_000;

/** The load tool's machinery on the small sample data; its figures are not asserted (no clocks). */
describe('the load test (npm run load)', () => {
  jest.setTimeout(RUN_BOUND_MS);
  let db: TestDatabase;
  let env: Record<string, string>;
  const dataDir = mkdtempSync(join(tmpdir(), 'smartretail-load-'));
  const shortRun = ['--connections', '5', '--scale', '1', '--upload-every', '1'];

  beforeAll(async () => {
    db = await TestDatabase.create();
    await db.migrate();
    env = db.environment() as Record<string, string>;
  });
  afterAll(async () => {
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loads only after the start-up import, then reports every kind with requests, latencies, no error, and the service RSS', async () => {
    const { code, output, report } = await runLoadCli(
      ['--duration', '4', ...shortRun, '--data-dir', dataDir],
      env,
    );
    expect(code).toBe(0);
    expect(output.indexOf('start-up import finished')).toBeGreaterThan(-1);
    expect(output.indexOf('start-up import finished')).toBeLessThan(output.indexOf('load: 4 s'));
    expect(report.startupImport.files).toBe(8);
    const clients = await db.asOwner((c) =>
      c.query<{ n: number }>('SELECT count(*)::int AS n FROM clients'),
    );
    expect(clients.rows[0].n).toBe(200);

    expect(report.kinds.map((k) => k.kind)).toEqual(LOAD_KINDS);
    for (const k of report.kinds) {
      expect({ kind: k.kind, errors: k.errors }).toEqual({ kind: k.kind, errors: 0 });
      expect(k.requests).toBeGreaterThan(0);
      expect(k.succeeded).toBe(k.requests);
      expect(k.p50Ms).toBeGreaterThan(0);
      expect(k.p99Ms).toBeGreaterThanOrEqual(k.p95Ms);
    }
    expect(kind(report, 'uploads').statusCodes).toEqual({ 201: kind(report, 'uploads').requests });
    expect(report.total.errors).toBe(0);
    expect(report.rss.peakMb).toBeGreaterThan(0);
    expect(report.rss.loadPeakMb).toBeGreaterThan(0);
    expect(report.rss.samples).toBeGreaterThan(1);
    expect(Number.isFinite(report.rss.growthPercent)).toBe(true);
    expect(report.cpu.serviceCores).toBeGreaterThan(0);
    expect(report.cpu.loadGeneratorCores).toBeGreaterThan(0);
    expect(output).toMatch(/errors = 0\s+0\s+met/);
    // Role tokens travel in headers only, never to the output.
    expect(output).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
  });

  it('counts the refused requests of a kind sent with the wrong role as errors, names them, and exits 1', async () => {
    const { code, output, report } = await runLoadCli(
      ['--duration', '2', ...shortRun, '--data-dir', dataDir, '--as', 'email-lookups=analyst'],
      env,
    );
    expect(code).toBe(1);
    const lookups = kind(report, 'email-lookups');
    expect(lookups.role).toBe('analyst');
    expect(lookups.requests).toBeGreaterThan(0);
    expect(lookups.errors).toBe(lookups.requests);
    expect(lookups.statusCodes).toEqual({ 403: lookups.requests });
    expect(Object.keys(lookups.errorMessages)).toEqual([expect.stringMatching(/^403 "/)]);
    expect(report.total.errors).toBe(lookups.errors);
    expect(output).toMatch(/errors = 0\s+\d+\s+MISSED/);
    expect(output).toMatch(/email-lookups p99 <= 250 ms\s+no 2xx response\s+MISSED/);
  });
});
