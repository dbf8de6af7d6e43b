import { randomBytes } from 'node:crypto';
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
});
