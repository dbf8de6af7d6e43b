import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, loadConfig } from './app-config';

const valid = () => ({
  DATABASE_URL: 'postgres://owner:pw@db.internal:5432/smartretail',
  ENCRYPTION_KEY: randomBytes(32).toString('hex'),
  BLIND_INDEX_KEY: randomBytes(32).toString('base64'),
  JWT_SECRET: randomBytes(32).toString('hex'),
  APP_DB_PASSWORD: 'a-long-app-user-password',
  GRAFANA_DB_PASSWORD: 'a-long-grafana-password',
});

const problemsOf = (env: Record<string, string | undefined>): string[] => {
  try {
    loadConfig(env, { embedded: false });
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems;
    throw error;
  }
  return [];
};

describe('configuration', () => {
  it('accepts a complete environment and applies defaults', () => {
    const config = loadConfig(valid(), { embedded: false });
    expect(config.port).toBe(3000);
    expect(config.importCron).toBe('0 */2 * * * *');
    expect(config.encryptionKey).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads a master-key rotation: the version of ENCRYPTION_KEY and the next key, which must be new', () => {
    const env = valid();
    expect(loadConfig(env, { embedded: false })).toMatchObject({
      encryptionKeyVersion: 1,
      newEncryptionKey: undefined,
    });
    const next = randomBytes(32).toString('hex');
    expect(
      loadConfig(
        { ...env, ENCRYPTION_KEY_VERSION: '3', NEW_ENCRYPTION_KEY: next },
        { embedded: false },
      ),
    ).toMatchObject({ encryptionKeyVersion: 3, newEncryptionKey: next });
    expect(problemsOf({ ...env, NEW_ENCRYPTION_KEY: env.ENCRYPTION_KEY })).toEqual([
      'NEW_ENCRYPTION_KEY must differ from ENCRYPTION_KEY',
    ]);
    expect(problemsOf({ ...env, ENCRYPTION_KEY_VERSION: '0' })).toEqual([
      'ENCRYPTION_KEY_VERSION must be a whole number, at least 1',
    ]);
  });

  it('normalises a base64 key to the same hex as its hex form', () => {
    const bytes = randomBytes(32);
    const fromHex = loadConfig(
      { ...valid(), ENCRYPTION_KEY: bytes.toString('hex') },
      { embedded: false },
    );
    const fromBase64 = loadConfig(
      { ...valid(), ENCRYPTION_KEY: bytes.toString('base64') },
      { embedded: false },
    );
    expect(fromBase64.encryptionKey).toBe(fromHex.encryptionKey);
  });

  it('refuses to start without an encryption key outside embedded mode, naming the variable', () => {
    expect(problemsOf({ ...valid(), ENCRYPTION_KEY: undefined })).toEqual([
      expect.stringMatching(
        /^ENCRYPTION_KEY is required: give at least 32 random bytes as hex or base64/,
      ),
    ]);
  });

  it.each([
    [
      'too short',
      randomBytes(16).toString('hex'),
      /must decode to at least 32 random bytes \(got 16\)/,
    ],
    ['not random', 'a'.repeat(64), /is not random enough/],
    ['neither hex nor base64', 'this is not a key!'.repeat(4), /must be hex or base64/],
  ])('refuses a %s encryption key without echoing it', (_label, key, reason) => {
    const problems = problemsOf({ ...valid(), ENCRYPTION_KEY: key });
    expect(problems).toEqual([expect.stringMatching(reason)]);
    expect(problems.join('\n')).not.toContain(key);
  });

  it('names every malformed variable with what is expected', () => {
    const problems = problemsOf({
      ...valid(),
      PORT: 'eighty',
      IMPORT_CRON: 'often',
      DATABASE_URL: 'mysql://x',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PORT must be a TCP port number/),
        expect.stringMatching(/^IMPORT_CRON must be a cron expression/),
        expect.stringMatching(/^DATABASE_URL must be a postgres:\/\/ URL/),
      ]),
    );
  });

  it('takes LOG_FORMAT json or pretty, defaulting to json when stdout is no terminal', () => {
    expect(loadConfig({ ...valid(), LOG_FORMAT: 'pretty' }, { embedded: false }).logFormat).toBe(
      'pretty',
    );
    // Jest's stdout is a pipe here, as a service's is under Docker or systemd.
    expect(process.stdout.isTTY).toBeFalsy();
    expect(loadConfig(valid(), { embedded: false }).logFormat).toBe('json');
    expect(problemsOf({ ...valid(), LOG_FORMAT: 'text' })).toEqual([
      'LOG_FORMAT must be json or pretty',
    ]);
  });

  it('requires DATABASE_URL outside embedded mode and distinct AES and blind-index keys', () => {
    expect(problemsOf({ ...valid(), DATABASE_URL: undefined })).toContain(
      'DATABASE_URL is required outside embedded mode',
    );
    const key = randomBytes(32).toString('hex');
    expect(problemsOf({ ...valid(), ENCRYPTION_KEY: key, BLIND_INDEX_KEY: key })).toEqual([
      'BLIND_INDEX_KEY must differ from ENCRYPTION_KEY',
    ]);
  });

  it('migrates through DATABASE_MIGRATION_URL when given (a direct connection behind a pooler), else DATABASE_URL', () => {
    expect(loadConfig(valid(), { embedded: false }).databaseMigrationUrl).toBe(
      valid().DATABASE_URL,
    );
    const direct = 'postgres://owner:pw@db-primary.internal:5432/smartretail';
    expect(
      loadConfig({ ...valid(), DATABASE_MIGRATION_URL: direct }, { embedded: false }),
    ).toMatchObject({ databaseUrl: valid().DATABASE_URL, databaseMigrationUrl: direct });
    expect(problemsOf({ ...valid(), DATABASE_MIGRATION_URL: 'db-primary:5432' })).toEqual([
      'DATABASE_MIGRATION_URL must be a postgres:// URL naming a database (postgres://user:password@host:5432/db)',
    ]);
    expect(() =>
      loadConfig({ ...valid(), DATABASE_MIGRATION_URL: direct }, { embedded: true }),
    ).toThrow(/DATABASE_MIGRATION_URL needs DATABASE_URL/);
  });

  it('reports problems as one message starting "Invalid environment variables"', () => {
    expect(() => loadConfig({}, { embedded: false })).toThrow(
      /^Invalid environment variables:\n {2}- /,
    );
  });

  it('bounds token lifetimes at 24h with a 30s clock skew unless told otherwise', () => {
    const defaults = loadConfig(valid(), { embedded: false });
    expect([defaults.jwtMaxTtlSeconds, defaults.jwtClockSkewSeconds]).toEqual([86_400, 30]);
    const set = loadConfig(
      { ...valid(), JWT_MAX_TTL: '15m', JWT_CLOCK_SKEW_S: '5' },
      { embedded: false },
    );
    expect([set.jwtMaxTtlSeconds, set.jwtClockSkewSeconds]).toEqual([900, 5]);
    expect(
      loadConfig({ ...valid(), JWT_MAX_TTL: '7200' }, { embedded: false }).jwtMaxTtlSeconds,
    ).toBe(7200);
    expect(problemsOf({ ...valid(), JWT_MAX_TTL: 'forever' })).toContain(
      'JWT_MAX_TTL must be a duration like 30m, 24h or 7d (or seconds)',
    );
    expect(problemsOf({ ...valid(), JWT_MAX_TTL: '90d' })).toEqual([
      'JWT_MAX_TTL must be at most 30d',
    ]);
    expect(problemsOf({ ...valid(), JWT_CLOCK_SKEW_S: '-1' })).toHaveLength(1);
  });

  describe('token verification settings', () => {
    const idp = {
      JWT_JWKS_URL: 'https://idp.example/realms/retail/protocol/openid-connect/certs',
      JWT_ISSUER: 'https://idp.example/realms/retail',
      JWT_AUDIENCE: 'smartretail-api',
    };

    it('allows HS256 alone without a JWKS, and the asymmetric algorithms alone with one', () => {
      expect(loadConfig(valid(), { embedded: false }).jwtAlgorithms).toEqual(['HS256']);
      const withIdp = loadConfig({ ...valid(), ...idp }, { embedded: false });
      expect(withIdp.jwtAlgorithms).toEqual(['RS256', 'ES256', 'EdDSA']);
      // The secret no allowed algorithm uses is dropped, so nothing can verify with it.
      expect(withIdp.jwtSecret).toBeUndefined();
      expect(withIdp.jwtJwks).toMatchObject({ kind: 'url', timeoutMs: 5000, cooldownMs: 30000 });
    });

    it('mixes both families only when JWT_ALGORITHMS lists both', () => {
      const mixed = loadConfig(
        { ...valid(), ...idp, JWT_ALGORITHMS: 'HS256, RS256' },
        { embedded: false },
      );
      expect(mixed.jwtAlgorithms).toEqual(['HS256', 'RS256']);
      expect(mixed.jwtSecret).toMatch(/^[0-9a-f]{64}$/);
    });

    it('needs no JWT_SECRET when HS256 is not allowed', () => {
      expect(problemsOf({ ...valid(), ...idp, JWT_SECRET: undefined })).toEqual([]);
      expect(problemsOf({ ...valid(), JWT_SECRET: undefined })).toEqual([
        expect.stringMatching(/^JWT_SECRET is required/),
      ]);
    });

    it.each([
      [
        { JWT_ALGORITHMS: 'RS256' },
        /^JWT_ALGORITHMS lists RS256: set JWT_JWKS_URL or JWT_JWKS_FILE/,
      ],
      [{ ...idp, JWT_ALGORITHMS: 'HS256' }, /^JWT_ALGORITHMS lists no asymmetric algorithm/],
      [{ ...idp, JWT_ALGORITHMS: 'RS256,none' }, /^JWT_ALGORITHMS must be a comma-separated list/],
      [{ ...idp, JWT_ALGORITHMS: 'HS512' }, /^JWT_ALGORITHMS must be a comma-separated list/],
      [{ ...idp, JWT_ISSUER: undefined }, /^JWT_ISSUER is required with a JWKS/],
      [{ ...idp, JWT_AUDIENCE: undefined }, /^JWT_AUDIENCE is required with a JWKS/],
      [{ ...idp, JWT_JWKS_URL: 'http://idp.example/certs' }, /^JWT_JWKS_URL must be an https/],
      [{ ...idp, JWT_JWKS_URL: 'not a url' }, /^JWT_JWKS_URL must be an absolute https/],
      [
        { ...idp, JWT_JWKS_FILE: '/nowhere/jwks.json' },
        /^JWT_JWKS_URL and JWT_JWKS_FILE are exclusive/,
      ],
      [
        { ...idp, JWT_JWKS_URL: undefined, JWT_JWKS_FILE: '/nowhere/jwks.json' },
        /^JWT_JWKS_FILE must name a readable/,
      ],
      [{ JWT_ROLE_CLAIM: 'realm_access..roles' }, /^JWT_ROLE_CLAIM must be a claim path/],
      [{ JWT_ROLE_CLAIM: '"unterminated' }, /^JWT_ROLE_CLAIM must be a claim path/],
    ])('refuses %j at start-up', (env, problem) => {
      expect(problemsOf({ ...valid(), ...env })).toContainEqual(expect.stringMatching(problem));
    });

    it('refuses a JWKS file holding a symmetric or a private key', () => {
      const dir = mkdtempSync(join(tmpdir(), 'smartretail-jwks-config-'));
      try {
        const file = join(dir, 'jwks.json');
        const fileEnv = { ...valid(), ...idp, JWT_JWKS_URL: undefined, JWT_JWKS_FILE: file };
        for (const key of [
          { kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' },
          { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'private', kid: 'ec' },
        ]) {
          writeFileSync(file, JSON.stringify({ keys: [key] }));
          expect(problemsOf(fileEnv)).toEqual([
            'JWT_JWKS_FILE must hold public RSA, EC or OKP keys only (no private or oct keys)',
          ]);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('takes plain http for the JWKS only on this machine', () => {
      const local = { ...idp, JWT_JWKS_URL: 'http://127.0.0.1:8080/certs' };
      expect(problemsOf({ ...valid(), ...local })).toEqual([]);
    });

    it('reads JWT_ROLE_CLAIM as a path, quoted segments kept whole', () => {
      const at = (path: string) =>
        loadConfig({ ...valid(), JWT_ROLE_CLAIM: path }, { embedded: false }).jwtRoleClaim;
      expect(loadConfig(valid(), { embedded: false }).jwtRoleClaim).toEqual(['role']);
      expect(at('realm_access.roles')).toEqual(['realm_access', 'roles']);
      expect(at('resource_access.smartretail-api.roles')).toEqual([
        'resource_access',
        'smartretail-api',
        'roles',
      ]);
      expect(at('"https://smartretail.example/role"')).toEqual([
        'https://smartretail.example/role',
      ]);
    });
  });
});
