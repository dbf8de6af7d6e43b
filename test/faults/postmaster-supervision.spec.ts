/**
 * The embedded PostgreSQL dies under a running service (its postmaster SIGKILLed, as the OOM
 * killer or a careless `kill -9` would): the service notices, says why in one line and in
 * readiness, restarts it, becomes ready again by itself, and records the run it cut as
 * `unavailable` with that cause. Each service runs on a DATA_DIR of its own: the test run's
 * shared PostgreSQL is never the one killed.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { isAlive, postgresProcessesIn } from '../../src/database/embedded/process-table';
import { copyUnderWay, writeLargeClientsFile } from '../support/copy-progress';
import { EmbeddedDataDir } from '../support/embedded-data-dir';
import { fixture } from '../support/import-harness';
import { ServiceProcess } from '../support/service-process';

const ROWS = 60_000;

async function eventually<T>(check: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('the embedded PostgreSQL killed under the service', () => {
  let workDir: string;
  const dirs: EmbeddedDataDir[] = [];
  const services: ServiceProcess[] = [];

  const start = async (extra: Record<string, string>) => {
    const dir = EmbeddedDataDir.create();
    dirs.push(dir);
    const env = { ...(await dir.serviceEnvironment()), ...extra };
    const service = ServiceProcess.start(env);
    services.push(service);
    await service.waitFor('SmartRetail listening');
    return { dir, service, api: () => request(`http://127.0.0.1:${env.PORT}`) };
  };

  beforeAll(() => {
    workDir = mkdtempSync(join(tmpdir(), 'smartretail-fault-files-'));
  });

  afterAll(async () => {
    for (const service of services) await service.stop('SIGKILL');
    for (const dir of dirs) await dir.clean();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('notices a SIGKILL mid-upload, says why, restarts it, is ready again by itself, and records the cut run as unavailable with the cause', async () => {
    const bigFile = await writeLargeClientsFile(workDir, ROWS);
    // Long enough a first delay for readiness to be seen saying why while it is down.
    const { dir, service, api } = await start({ EMBEDDED_PG_RESTART_DELAY_MS: '3000' });
    const upload = api()
      .post('/datasets/clients/imports')
      .set(...dir.bearer('writer'))
      .attach('file', bigFile)
      .then(
        (response) => response,
        (error: Error) => error,
      );
    const watcher = await dir.superuser();
    // Its session dies with the server.
    watcher.on('error', () => undefined);
    expect(await copyUnderWay(watcher, { stillRunning: () => true })).toBeGreaterThan(0);
    const victim = dir.postmaster()!;
    process.kill(victim.pid, 'SIGKILL');
    await watcher.end().catch(() => undefined);

    expect(await upload).toMatchObject({ status: 503 });
    const cause = `the embedded PostgreSQL (pid ${victim.pid}) was killed by SIGKILL`;
    await service.waitFor(`The embedded PostgreSQL (pid ${victim.pid}) was killed by SIGKILL`);
    expect(service.output).toMatch(
      new RegExp(
        `${cause.replace(/[()]/g, '\\$&')} \\(kill -9 or the kernel OOM killer\\): restarting it in 3 s \\(attempt 1 of 5\\)`,
        'i',
      ),
    );

    const down = await api().get('/health/ready');
    expect(down.status).toBe(503);
    expect(down.body.details.checks.database).toMatchObject({
      status: 'down',
      message: expect.stringContaining(cause),
    });

    const ready = await eventually(async () => {
      const response = await api().get('/health/ready');
      return response.status === 200 ? response : undefined;
    }, 'readiness to return to 200');
    expect(ready.body.details.database).toMatchObject({
      status: 'up',
      outages: 1,
      lastOutage: { cause: expect.stringContaining(cause) },
    });
    expect(service.output).toContain('Restarted the embedded PostgreSQL');
    const restarted = dir.postmaster()!;
    expect(restarted.pid).not.toBe(victim.pid);
    expect(isAlive(victim.pid)).toBe(false);

    const runs = await eventually(async () => {
      const client = await dir.superuser();
      try {
        const { rows } = await client.query<{
          status: string;
          failure_kind: string;
          error: string;
        }>('SELECT status, failure_kind, error FROM import_runs');
        return rows.every((r) => r.status !== 'running') ? rows : undefined;
      } finally {
        await client.end();
      }
    }, 'the cut run to be recorded');
    expect(runs).toEqual([
      {
        status: 'failed',
        failure_kind: 'unavailable',
        error: expect.stringContaining(
          `${cause} (kill -9 or the kernel OOM killer); the import was rolled back`,
        ),
      },
    ]);
    expect(await dir.count('SELECT count(*) AS n FROM clients')).toBe(0);

    await api()
      .post('/datasets/clients/imports')
      .set(...dir.bearer('writer'))
      .attach('file', fixture('ok/clients.csv'))
      .expect(201);
    // PostgreSQL's own account of it is kept under DATA_DIR.
    expect(readFileSync(join(dir.path, 'logs', 'postgresql.log'), 'utf8')).toContain(
      'database system was interrupted',
    );
    expect(await service.stop('SIGTERM')).toBe(0);
    expect(dir.postmaster()).toBeUndefined();
  }, 120_000);

  it('exits non-zero, saying why, once restarting is not allowed (EMBEDDED_PG_MAX_RESTARTS=0)', async () => {
    const { dir, service } = await start({ EMBEDDED_PG_MAX_RESTARTS: '0' });
    const victim = dir.postmaster()!;
    process.kill(victim.pid, 'SIGKILL');
    expect(await service.exitWithin()).toBe(1);
    expect(service.output).toContain(
      `The embedded PostgreSQL (pid ${victim.pid}) was killed by SIGKILL (kill -9 or the kernel OOM killer); ` +
        'gave up after 0 restart(s) (EMBEDDED_PG_MAX_RESTARTS): exiting so that the process supervisor restarts SmartRetail',
    );
    // Its server processes did not outlive it, nor did this service's claim on DATA_DIR.
    expect(postgresProcessesIn(dir.clusterDir)).toEqual([]);
    expect(existsSync(join(dir.path, 'pg-owner.json'))).toBe(false);
  }, 120_000);
});
