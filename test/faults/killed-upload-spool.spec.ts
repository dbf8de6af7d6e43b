/**
 * The real service (`node dist/src/main.js`) killed with SIGKILL while it receives an upload of
 * personal data: nothing can run at that moment, so the half-received file stays in its spool
 * directory until the next start, which removes it and says how many files it removed, never
 * which or what was in them. A second service started beside the first on the same DATA_DIR, and
 * `npm run import` run beside it, leave its live spool alone. SIGTERM removes the file at once.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fixture } from '../support/import-harness';
import { freePort, IMPORT_CLI, ServiceProcess } from '../support/service-process';
import { TestDatabase } from '../support/test-database';
import {
  personalRow,
  spoolDirectories,
  spooled,
  spooledFiles,
  trickleUpload,
  TrickleUpload,
} from '../support/trickle-upload';

const PERSONAL = /Zorrowitz|diego\.zorrowitz|1961-04-02/;

describe('an upload being received when the service is killed', () => {
  let db: TestDatabase;
  let dataDir: string;
  let spool: string;
  const services: ServiceProcess[] = [];

  const startService = async () => {
    const port = await freePort();
    const env = db.environment({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'log',
      UPLOAD_IDLE_TIMEOUT_MS: '120000',
    }) as Record<string, string>;
    const service = ServiceProcess.start(env);
    services.push(service);
    await service.waitFor('SmartRetail listening');
    return { service, url: `http://127.0.0.1:${port}`, env };
  };

  /** Sends a row of personal data every 50 ms until stopped; its first row is spooled on return. */
  const trickling = async (url: string) => {
    const upload = trickleUpload(url, { fileName: 'zorrowitz-family.csv' });
    let id = 0;
    const drip = setInterval(() => upload.send(personalRow(++id)), 50);
    const files = await spooled(spool, personalRow(1).length);
    return { upload, files, stop: () => clearInterval(drip) };
  };

  beforeAll(async () => {
    db = await TestDatabase.create();
    dataDir = mkdtempSync(join(tmpdir(), 'smartretail-killed-upload-'));
    spool = join(dataDir, 'uploads');
  });
  afterAll(async () => {
    for (const service of services) await service.stop('SIGKILL');
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  let first: Awaited<ReturnType<typeof startService>>;
  let second: Awaited<ReturnType<typeof startService>>;
  let upload: TrickleUpload;
  let halfReceived: string;
  let stopDrip: () => void;

  it('spools under DATA_DIR/uploads, and a second service and npm run import beside it leave that spool alone', async () => {
    first = await startService();
    const started = await trickling(first.url);
    ({ upload, stop: stopDrip } = started);
    [halfReceived] = started.files;
    expect(dirname(dirname(halfReceived))).toBe(spool);

    second = await startService();
    const cli = spawn(
      process.execPath,
      [IMPORT_CLI, fixture('ok/magasins_quoted.csv'), '--dataset', 'magasins'],
      { env: second.env, stdio: 'ignore' },
    );
    expect(await new Promise((resolve) => cli.on('exit', resolve))).toBe(0);
    expect(existsSync(halfReceived)).toBe(true);
  });

  it('leaves the file on disk through SIGKILL, and the next start removes it, reporting a count and no name or content', async () => {
    const killed = first.service;
    await killed.stop('SIGKILL');
    stopDrip();
    await upload.response.catch(() => undefined);
    // Nothing ran at the kill: the file is there until someone sweeps.
    expect(existsSync(halfReceived)).toBe(true);

    const restarted = await startService();
    expect(existsSync(halfReceived)).toBe(false);
    expect(existsSync(dirname(halfReceived))).toBe(false);
    expect(restarted.service.output).toContain(
      `Removed 1 upload file(s) left in ${spool} by 1 instance(s) that stopped without cleaning up`,
    );
    expect(restarted.service.output).not.toMatch(PERSONAL);
    expect(restarted.service.output).not.toContain(basename(halfReceived));
    expect(restarted.service.output).not.toContain('zorrowitz-family.csv');
    // The second service's spool, live all along, is still there.
    expect(spoolDirectories(spool)).toHaveLength(2);
    await restarted.service.stop('SIGTERM');
  });

  it('removes the file of an upload being received when the service gets SIGTERM', async () => {
    const { upload: arriving, files, stop } = await trickling(second.url);
    try {
      expect(await second.service.stop('SIGTERM')).toBe(0);
    } finally {
      stop();
    }
    // Answered at once, without waiting for the rest of the body.
    expect((await arriving.response).status).toBe(503);
    expect(existsSync(files[0])).toBe(false);
    expect(spooledFiles(spool)).toEqual([]);
    expect(spoolDirectories(spool)).toEqual([]);
  });
});
