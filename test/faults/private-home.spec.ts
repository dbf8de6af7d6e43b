import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { CheckoutCopy, copyCheckout } from '../support/checkout-copy';
import { EmbeddedDataDir } from '../support/embedded-data-dir';
import { freePort, ServiceProcess } from '../support/service-process';

const STACK_LINE = /^\s+at /m;

describe('npm start in a checkout under a private (0700) directory, like root cloning into its home', () => {
  let home: string;
  let checkout: CheckoutCopy;

  beforeAll(() => {
    // mkdtemp creates the directory with mode 0700, like root's home.
    home = mkdtempSync(join(tmpdir(), 'smartretail-home-'));
    expect(statSync(home).mode & 0o777).toBe(0o700);
    checkout = copyCheckout(home);
  });

  afterAll(async () => {
    await EmbeddedDataDir.at(join(checkout.dir, '.data')).clean();
    rmSync(home, { recursive: true, force: true });
  });

  const start = async (dataDir: string) => {
    const env = {
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      EMBEDDED_PG_PORT: String(await freePort()),
      IMPORT_ON_START: 'false',
    };
    return {
      env,
      service: ServiceProcess.start(env, { script: checkout.service, cwd: checkout.dir }),
    };
  };

  it('starts, opening only search permission on the private directory, and keeps secrets.json 0600 and the upload spool 0700', async () => {
    const dataDir = join(checkout.dir, '.data');
    const { env, service } = await start(dataDir);
    try {
      await service.waitFor('SmartRetail listening');
      await request(`http://127.0.0.1:${env.PORT}`).get('/health/ready').expect(200);
    } finally {
      expect(await service.stop('SIGTERM')).toBe(0);
    }
    expect(service.output).toContain(`granted it search permission only (x, not read) on ${home}`);
    expect(service.output).toContain(`To undo: chmod o-x ${home}`);
    // Others may pass through the home directory, never list or read it.
    expect(statSync(home).mode & 0o777).toBe(0o701);
    expect(statSync(join(dataDir, 'secrets.json')).mode & 0o777).toBe(0o600);
    // The upload spool stays private too, and a clean stop leaves it empty.
    expect(statSync(join(dataDir, 'uploads')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(dataDir, 'uploads'))).toEqual([]);
    expect(EmbeddedDataDir.at(dataDir).postmaster()).toBeUndefined();
  }, 120_000);

  it("fails with one line that says what to do when PostgreSQL's binaries cannot be run", async () => {
    const binary = join(checkout.binariesPackage, 'native/bin/postgres');
    const mode = statSync(binary).mode & 0o7777;
    chmodSync(binary, 0o600);
    try {
      const { service } = await start(join(checkout.dir, '.data'));
      expect(await service.exitWithin()).toBe(1);
      const complaint = service.output.split('\n').filter((line) => line.includes('cannot'));
      expect(complaint).toHaveLength(1);
      expect(complaint[0]).toMatch(/^SmartRetail cannot start: .*cannot run/);
      expect(complaint[0]).toContain(`chmod -R o+rX ${checkout.binariesPackage}`);
      expect(complaint[0]).toContain('DATABASE_URL');
      expect(service.output).not.toMatch(STACK_LINE);
    } finally {
      chmodSync(binary, mode);
    }
  }, 120_000);
});
