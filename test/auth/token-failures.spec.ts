import request from 'supertest';
import { HttpHarness, startHttpHarness } from '../support/http-app';
import { nowSeconds, rawToken, tokenFor } from '../support/role-tokens';
import { testSecrets } from '../support/test-database';
import { signRoleToken } from '../../src/auth/role-token.service';

const HS256 = { alg: 'HS256', typ: 'JWT' };
const valid = () => ({ sub: 'mallory', role: 'admin', exp: nowSeconds() + 600 });

describe('role tokens', () => {
  let h: HttpHarness;
  beforeAll(async () => {
    h = await startHttpHarness({
      JWT_ISSUER: 'smartretail',
      JWT_AUDIENCE: 'smartretail-api',
      JWT_MAX_TTL: '1h',
      JWT_CLOCK_SKEW_S: '30',
    });
  });
  afterAll(() => h.close());

  const configured = (role: 'admin' | 'writer' | 'analyst', sub = 'alice'): string =>
    signRoleToken(
      {
        jwtSecret: testSecrets().jwtSecret,
        jwtIssuer: 'smartretail',
        jwtAudience: 'smartretail-api',
      },
      { role, sub, ttlSeconds: 600 },
    );
  const claims = (extra: Record<string, unknown> = {}) => ({
    ...valid(),
    iss: 'smartretail',
    aud: 'smartretail-api',
    ...extra,
  });

  const failures: [string, () => string | undefined][] = [
    ['no Authorization header', () => undefined],
    ['an empty bearer', () => 'Bearer '],
    ['another scheme', () => `Basic ${Buffer.from('admin:admin').toString('base64')}`],
    ['a malformed token', () => 'Bearer not-a-jwt'],
    ['a token with garbage segments', () => 'Bearer abc.def.ghi'],
    [
      'alg: none without a signature',
      () => `Bearer ${rawToken({ alg: 'none', typ: 'JWT' }, claims(), null)}`,
    ],
    [
      'alg: HS512 signed with the right secret',
      () =>
        `Bearer ${rawToken({ alg: 'HS512', typ: 'JWT' }, claims(), testSecrets().jwtSecret, 'sha512')}`,
    ],
    ['a wrong secret', () => `Bearer ${rawToken(HS256, claims(), 'x'.repeat(64))}`],
    ['an expired token', () => `Bearer ${rawToken(HS256, claims({ exp: nowSeconds() - 5 }))}`],
    ['no exp claim', () => `Bearer ${rawToken(HS256, claims({ exp: undefined }))}`],
    ['an unknown role', () => `Bearer ${rawToken(HS256, claims({ role: 'superuser' }))}`],
    ['the owner role name', () => `Bearer ${rawToken(HS256, claims({ role: 'postgres' }))}`],
    ['no sub claim', () => `Bearer ${rawToken(HS256, claims({ sub: undefined }))}`],
    ['a wrong issuer', () => `Bearer ${rawToken(HS256, claims({ iss: 'elsewhere' }))}`],
    ['a wrong audience', () => `Bearer ${rawToken(HS256, claims({ aud: 'other-api' }))}`],
    ['a token without iss/aud while they are configured', () => `Bearer ${tokenFor('admin')}`],
    [
      'a lifetime (exp - iat) beyond JWT_MAX_TTL',
      () =>
        `Bearer ${rawToken(HS256, claims({ iat: nowSeconds() - 3000, exp: nowSeconds() + 1000 }))}`,
    ],
    [
      'an exp further than JWT_MAX_TTL from now, without iat',
      () => `Bearer ${rawToken(HS256, claims({ exp: nowSeconds() + 3600 + 120 }))}`,
    ],
    [
      'an iat in the future beyond the clock skew',
      () => `Bearer ${rawToken(HS256, claims({ iat: nowSeconds() + 120 }))}`,
    ],
    [
      'an nbf in the future beyond the clock skew',
      () => `Bearer ${rawToken(HS256, claims({ nbf: nowSeconds() + 120 }))}`,
    ],
    ['an nbf that is not a time', () => `Bearer ${rawToken(HS256, claims({ nbf: 'soon' }))}`],
  ];

  it.each(failures)(
    'answers 401 to %s, naming the scheme and echoing nothing',
    async (_name, header) => {
      const value = header();
      const req = request(h.app.getHttpServer()).get('/datasets/clients/records');
      const res = await (value === undefined ? req : req.set('Authorization', value)).expect(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.body).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'A valid bearer token is required',
        requestId: expect.any(String),
      });
      if (value && value.length > 12)
        expect(JSON.stringify(res.body)).not.toContain(value.slice(7, 40));
    },
  );

  it.each(['smartretail:retention', 'smartretail:anything', 'SmartRetail:Retention'])(
    'answers 401 to an otherwise valid HS256 admin token whose sub is %s, saying the prefix is reserved',
    async (sub) => {
      const res = await request(h.app.getHttpServer())
        .delete('/clients/1')
        .set('Authorization', `Bearer ${rawToken(HS256, claims({ sub }))}`)
        .expect(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.body).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message:
          'Token subjects (sub) starting with "smartretail:" are reserved for the service\'s own jobs in the audit trail',
        requestId: expect.any(String),
      });
    },
  );

  it('keeps the opaque 401 for a reserved sub in a token that fails another check', async () => {
    const res = await request(h.app.getHttpServer())
      .get('/datasets')
      .set(
        'Authorization',
        `Bearer ${rawToken(HS256, claims({ sub: 'smartretail:retention' }), 'x'.repeat(64))}`,
      )
      .expect(401);
    expect(res.body.message).toBe('A valid bearer token is required');
  });

  it('accepts a token with the configured issuer and audience', async () => {
    await request(h.app.getHttpServer())
      .get('/datasets')
      .set('Authorization', `Bearer ${configured('analyst')}`)
      .expect(200);
  });

  it('accepts iat and nbf within the clock skew, and a lifetime of exactly JWT_MAX_TTL', async () => {
    const now = nowSeconds();
    for (const extra of [
      { iat: now + 10 },
      { nbf: now + 10 },
      { nbf: now - 5 },
      { iat: now - 600, exp: now - 600 + 3600 },
    ]) {
      await request(h.app.getHttpServer())
        .get('/datasets')
        .set('Authorization', `Bearer ${rawToken(HS256, claims({ role: 'analyst', ...extra }))}`)
        .expect(200);
    }
  });

  it('answers 403, not 401, to a valid token whose role may not use the route', async () => {
    const res = await request(h.app.getHttpServer())
      .get('/audit')
      .set('Authorization', `Bearer ${configured('analyst')}`)
      .expect(403);
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(res.body.error).toBe('Forbidden');
  });

  it('refuses a bad token before any database work: it still answers 401 with the database gone', async () => {
    // Per database, not per role: roles are cluster-wide and other test files use app_user.
    const cut = (connect: boolean) =>
      h.db.asOwner(async (c) => {
        await c.query(
          connect
            ? `GRANT CONNECT ON DATABASE ${h.db.name} TO app_user`
            : `REVOKE CONNECT ON DATABASE ${h.db.name} FROM app_user`,
        );
        await c.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE usename = 'app_user' AND datname = current_database()`,
        );
      });
    await cut(false);
    try {
      const server = h.app.getHttpServer();
      // Proof the database really is out of reach for the service...
      await request(server)
        .get('/datasets/magasins/records')
        .set('Authorization', `Bearer ${configured('admin')}`)
        .expect(500);
      // ...while a bad token is still refused, so the refusal needed no database.
      await request(server)
        .get('/datasets/magasins/records')
        .set('Authorization', `Bearer ${rawToken(HS256, claims({ role: 'superuser' }))}`)
        .expect(401);
    } finally {
      await cut(true);
    }
  });
});
