import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { freePort, ServiceProcess } from '../support/service-process';

describe('npm start in embedded mode (no DATABASE_URL)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'smartretail-embedded-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts PostgreSQL, migrates, serves, stops both on SIGINT, and reuses its secrets on restart without printing them', async () => {
    const env = {
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      EMBEDDED_PG_PORT: String(await freePort()),
      IMPORT_ON_START: 'false',
    };
    const first = ServiceProcess.start(env);
    await first.waitFor('SmartRetail listening');
    await request(`http://127.0.0.1:${env.PORT}`).get('/health/ready').expect(200);
    expect(await first.stop('SIGINT')).toBe(0);
    // A cleanly stopped cluster leaves no postmaster.pid behind.
    expect(existsSync(join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);

    const secretsFile = join(dataDir, 'secrets.json');
    expect(statSync(secretsFile).mode & 0o777).toBe(0o600);
    const secrets = JSON.parse(readFileSync(secretsFile, 'utf8')) as Record<string, string>;
    expect(first.output).toContain(secretsFile);
    expect(first.output).toContain('Applied migrations');

    const second = ServiceProcess.start(env);
    await second.waitFor('SmartRetail listening');
    expect(second.output).toContain('Using embedded-mode secrets');
    expect(second.output).toContain('Schema is up to date');
    expect(await second.stop('SIGTERM')).toBe(0);
    expect(JSON.parse(readFileSync(secretsFile, 'utf8'))).toEqual(secrets);

    for (const value of Object.values(secrets)) {
      expect(first.output + second.output).not.toContain(value);
    }
  });

  it('refuses to start with a weak key, naming the variable and not echoing the value', async () => {
    const weak = 'ab'.repeat(32);
    const service = ServiceProcess.start({
      DATA_DIR: dataDir,
      DATABASE_URL: 'postgres://nobody:nothing@127.0.0.1:1/none',
      ENCRYPTION_KEY: weak,
    });
    expect(await service.wait()).toBe(1);
    expect(service.output).toContain('Invalid environment variables');
    expect(service.output).toMatch(/ENCRYPTION_KEY is not random enough/);
    expect(service.output).toMatch(/JWT_SECRET is required/);
    expect(service.output).not.toContain(weak);
  });
});
