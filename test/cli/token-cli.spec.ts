import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RoleTokenService } from '../../src/auth/role-token.service';
import { TokenKeys } from '../../src/auth/token-keys';
import { loadConfig } from '../../src/config/app-config';
import { testSecrets } from '../support/test-database';

const CLI = join(__dirname, '../../dist/src/cli/token.js');

function runToken(args: string[], env: Record<string, string>) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A production-like environment; the database URL points nowhere, and must not be needed. */
const serverEnv = (): Record<string, string> => {
  const s = testSecrets();
  return {
    DATABASE_URL: 'postgres://owner:secret@127.0.0.1:1/unreachable',
    ENCRYPTION_KEY: s.encryptionKey,
    BLIND_INDEX_KEY: s.blindIndexKey,
    JWT_SECRET: s.jwtSecret,
    APP_DB_PASSWORD: s.appDbPassword,
    GRAFANA_DB_PASSWORD: s.grafanaDbPassword,
  };
};

const verifierFor = (env: Record<string, string>) => {
  const config = loadConfig(env, { embedded: false });
  return new RoleTokenService(config, new TokenKeys(config));
};

describe('npm run token', () => {
  it('prints only a token on stdout, that the service accepts, with the given sub and ttl', async () => {
    const env = serverEnv();
    const { code, stdout } = runToken(['analyst', '--sub', 'grafana-bot', '--ttl', '15m'], env);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const token = await verifierFor(env).verify(stdout.trim());
    expect(token).toMatchObject({ sub: 'grafana-bot', role: 'analyst' });
    const { exp, iat } = token.claims as { exp: number; iat: number };
    expect(exp - iat).toBe(15 * 60);
  });

  it('defaults the subject to the role and the lifetime to one hour', async () => {
    const env = serverEnv();
    const token = await verifierFor(env).verify(runToken(['writer'], env).stdout.trim());
    const { exp, iat } = token.claims as { exp: number; iat: number };
    expect(token.sub).toBe('writer');
    expect(exp - iat).toBe(3600);
  });

  it('includes iss and aud when they are configured', async () => {
    const env = { ...serverEnv(), JWT_ISSUER: 'smartretail', JWT_AUDIENCE: 'api' };
    const token = await verifierFor(env).verify(runToken(['admin'], env).stdout.trim());
    expect(token.claims).toMatchObject({ iss: 'smartretail', aud: 'api' });
  });

  it('in embedded mode signs with the secret of DATA_DIR/secrets.json, without starting PostgreSQL', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'smartretail-token-'));
    try {
      const { code, stdout, stderr } = runToken(['admin'], { DATA_DIR: dataDir });
      expect(code).toBe(0);
      expect(stderr).toContain('secrets.json');
      const secrets = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')) as Record<
        string,
        string
      >;
      const env = { ...serverEnv(), JWT_SECRET: secrets.JWT_SECRET };
      expect((await verifierFor(env).verify(stdout.trim())).role).toBe('admin');
      expect(existsSync(join(dataDir, 'pg'))).toBe(false);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it.each([
    [[], 'give exactly one role'],
    [['root'], 'unknown role "root"'],
    [['admin', 'writer'], 'give exactly one role'],
    [['admin', '--ttl'], '--ttl needs a value'],
    [['admin', '--ttl', 'forever'], '--ttl must be a duration'],
    [['admin', '--ttl', '90d'], 'at most 30d'],
    [['admin', '--ttl', '2d'], '--ttl must be at most JWT_MAX_TTL (86400s)'],
    [['admin', '--sub', 'a b'], '--sub must be'],
    [['admin', '--role', 'x'], 'unknown option --role'],
  ])('exits 2 with a clear message for %j', (args, message) => {
    const { code, stdout, stderr } = runToken(args, serverEnv());
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
    expect(stderr).toContain('usage: npm run token');
  });

  it('exits 1 naming the variable when the configuration is invalid, without echoing it', () => {
    const { code, stderr } = runToken(['admin'], { ...serverEnv(), JWT_SECRET: 'short' });
    expect(code).toBe(1);
    expect(stderr).toContain('JWT_SECRET');
    expect(stderr).not.toContain('short');
  });

  it('exits 1 saying where tokens come from when only identity-provider algorithms are allowed', () => {
    const { code, stdout, stderr } = runToken(['admin'], {
      ...serverEnv(),
      JWT_JWKS_URL: 'https://idp.example/jwks',
      JWT_ISSUER: 'https://idp.example/',
      JWT_AUDIENCE: 'smartretail',
    });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('HS256 is not among JWT_ALGORITHMS');
  });
});
