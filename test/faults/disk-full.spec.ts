/**
 * DATA_DIR on a small filesystem that fills up (a tmpfs mounted for the test, so a full disk is
 * real and nothing else on the machine shares it): new imports are refused with a clear 507
 * before PostgreSQL runs out of space (out of disk it PANICs and stops), readiness says why,
 * and once space is freed the service takes imports again by itself. Mounting needs root on
 * Linux; elsewhere the test is skipped and says why.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { freeDiskMb } from '../../src/common/free-disk-space';
import { isAlive } from '../../src/database/embedded/process-table';
import { writeLargeClientsFile } from '../support/copy-progress';
import { EmbeddedDataDir } from '../support/embedded-data-dir';
import { ServiceProcess } from '../support/service-process';

const ROWS = 60_000;
const TMPFS_SIZE = '256m';
/** What the ballast leaves free: less than the import needs, more than PostgreSQL does. */
const LEFT_FREE_MB = 90;

function mount(dir: string): void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_SIZE},mode=0755`, 'tmpfs', dir]);
}

function unmount(dir: string): void {
  try {
    execFileSync('umount', [dir]);
  } catch {
    execFileSync('umount', ['-l', dir]); // still busy (a failed test's process): detach it
  }
}

/** Why a tmpfs cannot be mounted here, or undefined when it can. */
function whyNoTmpfs(): string | undefined {
  if (process.platform !== 'linux') return 'tmpfs mounts need Linux';
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  const probe = mkdtempSync(join(tmpdir(), 'smartretail-tmpfs-probe-'));
  try {
    mount(probe);
    unmount(probe);
    return undefined;
  } catch (error) {
    return `mount -t tmpfs is not permitted here (${(error as Error).message.split('\n')[0]})`;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

function writeBallast(path: string, megabytes: number): void {
  const chunk = Buffer.alloc(1024 ** 2, 0x5a);
  const fd = openSync(path, 'w');
  try {
    for (let i = 0; i < megabytes; i++) writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
}

async function eventually<T>(check: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const skipped = whyNoTmpfs();

(skipped ? describe.skip : describe)(
  `DATA_DIR on a small filesystem that fills up${skipped ? ` (skipped: ${skipped})` : ''}`,
  () => {
    let mountPoint: string;
    let workDir: string;
    let mounted = false;
    let dir: EmbeddedDataDir | undefined;
    let service: ServiceProcess | undefined;

    beforeAll(() => {
      workDir = mkdtempSync(join(tmpdir(), 'smartretail-fault-files-'));
      mountPoint = mkdtempSync(join(tmpdir(), 'smartretail-small-disk-'));
      mount(mountPoint);
      mounted = true;
    });

    afterAll(async () => {
      try {
        await service?.stop('SIGKILL');
        await dir?.clean();
      } finally {
        if (mounted) unmount(mountPoint);
        rmSync(mountPoint, { recursive: true, force: true });
        rmSync(workDir, { recursive: true, force: true });
      }
    });

    it('refuses a new import with 507 before PostgreSQL runs out of disk, and takes it once space is freed, by itself', async () => {
      const bigFile = await writeLargeClientsFile(workDir, ROWS);
      dir = EmbeddedDataDir.at(mkdtempSync(join(mountPoint, 'data-')));
      const env: Record<string, string> = {
        ...(await dir.serviceEnvironment()),
        HEALTH_MIN_FREE_DISK_MB: String(LEFT_FREE_MB + 10),
        IMPORT_MIN_FREE_DISK_MB: '16',
      };
      service = ServiceProcess.start(env);
      await service.waitFor('SmartRetail listening');
      const api = () => request(`http://127.0.0.1:${env.PORT}`);
      const upload = () =>
        api()
          .post('/datasets/clients/imports')
          .set(...dir!.bearer('writer'))
          .attach('file', bigFile)
          .timeout(90_000);
      const server = dir.postmaster()!;

      const ballast = join(mountPoint, 'ballast');
      writeBallast(ballast, (await freeDiskMb(dir.path)) - LEFT_FREE_MB);

      const refused = await upload();
      expect(refused.status).toBe(507);
      expect(refused.body).toMatchObject({
        error: 'Insufficient Storage',
        message: expect.stringMatching(
          /^not enough free disk for this import: \d+ MB free where the database lives, the import may take about \d+ MB, and 16 MB must stay free \(IMPORT_MIN_FREE_DISK_MB\); nothing was imported/,
        ),
      });
      const notReady = await api().get('/health/ready').expect(503);
      expect(notReady.body.details.failing).toEqual(['disk']);
      expect(notReady.body.details.checks.disk).toMatchObject({
        status: 'down',
        minimumMb: LEFT_FREE_MB + 10,
        importMinimumMb: 16,
      });
      // PostgreSQL never ran out: the same server still answers, and nothing was started.
      expect(isAlive(server.pid)).toBe(true);
      expect(dir.postmaster()?.pid).toBe(server.pid);
      expect(await dir.count('SELECT count(*) AS n FROM import_runs')).toBe(0);
      expect(service.output).not.toContain('No space left on device');

      rmSync(ballast);
      await eventually(
        async () => ((await api().get('/health/ready')).status === 200 ? true : undefined),
        'readiness to return to 200 once space is freed',
      );
      const accepted = await upload().expect(201);
      expect(accepted.body).toMatchObject({ status: 'succeeded', counts: { inserted: ROWS } });
      expect(dir.postmaster()?.pid).toBe(server.pid);
      expect(await service.stop('SIGTERM')).toBe(0);
    }, 120_000);
  },
);
