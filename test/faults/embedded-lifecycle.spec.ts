import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { isAlive } from '../../src/database/embedded/process-table';
import { copyUnderWay, writeLargeClientsFile } from '../support/copy-progress';
import { EmbeddedDataDir } from '../support/embedded-data-dir';
import { fixture } from '../support/import-harness';
import { freePort, IMPORT_CLI, MIGRATE_CLI, ServiceProcess } from '../support/service-process';

const ROWS = 60_000;
const STACK_LINE = /^\s+at /m;

describe('the embedded PostgreSQL across process faults', () => {
  let bigFile: string;
  let workDir: string;
  const dirs: EmbeddedDataDir[] = [];
  const services: ServiceProcess[] = [];

  const dataDir = () => {
    const dir = EmbeddedDataDir.create();
    dirs.push(dir);
    return dir;
  };
  const startService = (env: Record<string, string>) => {
    const service = ServiceProcess.start(env);
    services.push(service);
    return service;
  };
  const upload = (env: Record<string, string>, dir: EmbeddedDataDir, file: string) =>
    request(`http://127.0.0.1:${env.PORT}`)
      .post('/datasets/clients/imports')
      .set(...dir.bearer('writer'))
      .attach('file', file);

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'smartretail-fault-files-'));
    bigFile = await writeLargeClientsFile(workDir, ROWS);
  });

  afterAll(async () => {
    for (const service of services) await service.stop('SIGKILL');
    for (const dir of dirs) await dir.clean();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('stops the PostgreSQL a SIGKILLed service left running mid-import, starts normally, and the re-import loads every row', async () => {
    const dir = dataDir();
    const env = await dir.serviceEnvironment();
    const victim = startService(env);
    await victim.waitFor('SmartRetail listening');

    const interrupted = upload(env, dir, bigFile).then(
      (response) => response,
      (error: Error) => error,
    );
    const watcher = await dir.superuser();
    expect(await copyUnderWay(watcher, { stillRunning: () => true })).toBeGreaterThan(0);
    await victim.stop('SIGKILL');
    await watcher.end().catch(() => undefined);
    // The connection died with the service: the upload got no answer.
    expect(await interrupted).not.toHaveProperty('status');

    // The fault really left the server running, without its owner.
    const orphan = dir.postmaster()!;
    expect(isAlive(orphan.pid)).toBe(true);

    const next = startService(env);
    await next.waitFor('SmartRetail listening');
    expect(next.output).toContain(
      `Found PostgreSQL (pid ${orphan.pid}, port ${orphan.port}) still running`,
    );
    expect(next.output).toContain(`left by a previous run (pid ${victim.pid}) that is gone`);
    expect(next.output).toContain(`Stopped the orphaned PostgreSQL (pid ${orphan.pid})`);
    expect(isAlive(orphan.pid)).toBe(false);
    expect(await dir.count('SELECT count(*) AS n FROM clients')).toBe(0);

    const again = await upload(env, dir, bigFile).expect(201);
    expect(again.body).toMatchObject({ status: 'succeeded', counts: { inserted: ROWS } });
    expect(await dir.count('SELECT count(*) AS n FROM clients')).toBe(ROWS);
    expect(
      await dir.count(
        `SELECT count(*) AS n FROM import_runs WHERE status = 'failed' AND error = 'interrupted'`,
      ),
    ).toBe(1);
    expect(await dir.count(`SELECT count(*) AS n FROM import_runs`)).toBe(2);

    expect(await next.stop('SIGTERM')).toBe(0);
    expect(dir.postmaster()).toBeUndefined();
  }, 180_000);

  it('refuses a second service on a DATA_DIR whose service is alive, in one line, and leaves that service running', async () => {
    const dir = dataDir();
    const env = await dir.serviceEnvironment();
    const owner = startService(env);
    await owner.waitFor('SmartRetail listening');
    const server = dir.postmaster()!;

    const second = startService({ ...env, PORT: String(await freePort()) });
    expect(await second.exitWithin()).toBe(1);
    expect(second.output).toContain(
      `SmartRetail cannot start: ${dir.path} is in use: SmartRetail pid ${owner.pid} runs its embedded PostgreSQL; ` +
        `stop that process first, or set DATA_DIR to another directory`,
    );
    expect(second.output).not.toMatch(STACK_LINE);

    expect(isAlive(server.pid)).toBe(true);
    await request(`http://127.0.0.1:${env.PORT}`).get('/health/ready').expect(200);
    expect(await owner.stop('SIGTERM')).toBe(0);
  }, 120_000);

  it('removes a stale postmaster.pid, whether its pid is dead or now names an unrelated process, which it never signals', async () => {
    const dir = dataDir();
    const env = await dir.serviceEnvironment();
    const lockFile = join(dir.clusterDir, 'postmaster.pid');
    const leaveStaleLock = (pid: number) =>
      writeFileSync(
        lockFile,
        `${pid}\n${dir.clusterDir}\n1700000000\n${env.EMBEDDED_PG_PORT}\n\n127.0.0.1\n  0  0\nready   \n`,
      );
    const startsRemoving = async (pid: number) => {
      const service = startService(env);
      await service.waitFor('SmartRetail listening');
      expect(service.output).toContain(
        `Removed a stale ${lockFile}: its PostgreSQL (pid ${pid}) no longer runs`,
      );
      expect(await service.stop('SIGTERM')).toBe(0);
    };
    const first = startService(env);
    await first.waitFor('SmartRetail listening');
    expect(await first.stop('SIGTERM')).toBe(0);

    // PostgreSQL itself refuses a lock file whose pid is alive and runs as its own OS user.
    const bystander = spawn('sleep', ['600'], { ...postgresOsUser(), stdio: 'ignore' });
    const bystanderExit = once(bystander, 'exit');
    try {
      leaveStaleLock(bystander.pid!);
      await startsRemoving(bystander.pid!);
      expect(bystander.exitCode).toBeNull();
      expect(bystander.signalCode).toBeNull();
    } finally {
      bystander.kill('SIGKILL');
    }
    await bystanderExit;

    leaveStaleLock(bystander.pid!);
    await startsRemoving(bystander.pid!);
  }, 120_000);
});

describe('the import CLI and migration:run beside npm start (embedded)', () => {
  let dir: EmbeddedDataDir;
  let service: ServiceProcess;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = EmbeddedDataDir.create();
    env = await dir.serviceEnvironment();
    service = ServiceProcess.start(env);
    await service.waitFor('SmartRetail listening');
  });

  afterAll(async () => {
    await service.stop('SIGKILL');
    await dir.clean();
  });

  // No EMBEDDED_PG_PORT: the commands must find the running server, not start one of their own.
  const cli = (script: string, args: string[] = []) =>
    ServiceProcess.start({ DATA_DIR: dir.path }, { script, args });

  it('imports into the running PostgreSQL, the rows are visible through the service, and it keeps running', async () => {
    const server = dir.postmaster()!;
    const importer = cli(IMPORT_CLI, [fixture('ok/clients.csv')]);
    expect(await importer.exitWithin()).toBe(0);
    expect(importer.output).toContain(
      `Using the embedded PostgreSQL that pid ${service.pid} runs on 127.0.0.1:${server.port}`,
    );
    expect(importer.output).toMatch(/clients\.csv → clients: succeeded .* 3 inserted/);

    const records = await request(`http://127.0.0.1:${env.PORT}`)
      .get('/datasets/clients/records?limit=10')
      .set(...dir.bearer('admin'))
      .expect(200);
    expect((records.body.items as { client_id: number }[]).map((r) => r.client_id)).toEqual([
      1, 2, 3,
    ]);

    expect(dir.postmaster()).toEqual(server);
    expect(isAlive(server.pid)).toBe(true);
    await request(`http://127.0.0.1:${env.PORT}`).get('/health/ready').expect(200);
  }, 120_000);

  it('runs migration:run against the running PostgreSQL and leaves it running', async () => {
    const server = dir.postmaster()!;
    const migrate = cli(MIGRATE_CLI);
    expect(await migrate.exitWithin()).toBe(0);
    expect(migrate.output).toContain('Nothing to apply: the schema is up to date');
    expect(isAlive(server.pid)).toBe(true);
    await request(`http://127.0.0.1:${env.PORT}`).get('/health/ready').expect(200);
  }, 120_000);
});

describe('SIGTERM while an upload is being imported', () => {
  let dir: EmbeddedDataDir;
  let workDir: string;

  beforeAll(() => {
    dir = EmbeddedDataDir.create();
    workDir = mkdtempSync(join(tmpdir(), 'smartretail-fault-files-'));
  });

  afterAll(async () => {
    await dir.clean();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('rolls the import back, records it as interrupted, answers the upload 503, and stops PostgreSQL cleanly', async () => {
    const bigFile = await writeLargeClientsFile(workDir, ROWS);
    const env = await dir.serviceEnvironment();
    const service = ServiceProcess.start(env);
    try {
      await service.waitFor('SmartRetail listening');
      const server = dir.postmaster()!;
      const answer = request(`http://127.0.0.1:${env.PORT}`)
        .post('/datasets/clients/imports')
        .set(...dir.bearer('writer'))
        .attach('file', bigFile)
        .then(
          (response) => response,
          (error: Error) => error,
        );
      const watcher = await dir.superuser();
      expect(await copyUnderWay(watcher, { stillRunning: () => true })).toBeGreaterThan(0);
      await watcher.end();

      expect(await service.stop('SIGTERM')).toBe(0);
      expect(service.output).toContain('rolling back 1 import transaction(s) in progress');
      expect(await answer).toMatchObject({ status: 503, body: { message: 'interrupted' } });
      expect(isAlive(server.pid)).toBe(false);
      expect(dir.postmaster()).toBeUndefined();
      expect(existsSync(join(dir.path, 'pg-owner.json'))).toBe(false);
    } finally {
      await service.stop('SIGKILL');
    }

    // What the shutdown recorded, read without starting the service (it recovers runs itself).
    await dir.inspect(async () => {
      expect(await dir.count('SELECT count(*) AS n FROM clients')).toBe(0);
      const client = await dir.superuser();
      const { rows } = await client.query(`SELECT status, error FROM import_runs`);
      await client.end();
      expect(rows).toEqual([{ status: 'failed', error: 'interrupted' }]);
    });
  }, 120_000);
});

describe('SIGTERM while the import CLI runs alone (it started the embedded PostgreSQL)', () => {
  let dir: EmbeddedDataDir;
  let workDir: string;

  beforeAll(() => {
    dir = EmbeddedDataDir.create();
    workDir = mkdtempSync(join(tmpdir(), 'smartretail-fault-files-'));
  });

  afterAll(async () => {
    await dir.clean();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('rolls the file back, records it as interrupted, and stops the PostgreSQL it started', async () => {
    const bigFile = await writeLargeClientsFile(workDir, ROWS);
    const env = { DATA_DIR: dir.path, EMBEDDED_PG_PORT: String(await freePort()) };
    const importer = ServiceProcess.start(env, { script: IMPORT_CLI, args: [bigFile] });
    try {
      await importer.waitFor('Starting embedded PostgreSQL');
      await importer.waitFor('clients.csv: importing');
      const server = dir.postmaster()!;
      const watcher = await dir.superuser();
      try {
        const stillRunning = () => !importer.output.includes('clients.csv →');
        expect(await copyUnderWay(watcher, { stillRunning })).toBeGreaterThan(0);
      } finally {
        await watcher.end();
      }
      expect(await importer.stop('SIGTERM')).toBe(143);
      expect(importer.output).toMatch(/clients\.csv → clients: failed .*: interrupted/);
      expect(isAlive(server.pid)).toBe(false);
      expect(dir.postmaster()).toBeUndefined();
    } finally {
      await importer.stop('SIGKILL');
    }

    await dir.inspect(async () => {
      expect(await dir.count('SELECT count(*) AS n FROM clients')).toBe(0);
      expect(
        await dir.count(
          `SELECT count(*) AS n FROM import_runs WHERE status = 'failed' AND error = 'interrupted'`,
        ),
      ).toBe(1);
    });
  }, 120_000);
});

/** As root, the OS user PostgreSQL runs as; otherwise PostgreSQL runs as us. */
function postgresOsUser(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }));
  return { uid: id('-u'), gid: id('-g') };
}
