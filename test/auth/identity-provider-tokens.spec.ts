/**
 * Tokens signed by an identity provider, verified against its JWKS served on loopback by a real
 * HTTP server (test/support/identity-provider.ts), through the real HTTP application.
 */
import { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { signRoleToken } from '../../src/auth/role-token.service';
import type { Environment } from '../../src/config/app-config';
import { createHttpApplication } from '../../src/http-application';
import { HttpHarness, startHttpHarness } from '../support/http-app';
import { AUDIENCE, IdentityProvider } from '../support/identity-provider';
import { aClient } from '../support/client-factory';
import { loadRetailFixture } from '../support/retail-fixture';
import { nowSeconds, rawToken } from '../support/role-tokens';
import { testSecrets } from '../support/test-database';

const REFUSED = {
  statusCode: 401,
  error: 'Unauthorized',
  message: 'A valid bearer token is required',
  requestId: expect.any(String) as string,
};

describe('tokens from an identity provider', () => {
  let idp: IdentityProvider;
  let h: HttpHarness;
  const apps: INestApplication[] = [];
  const workDir = mkdtempSync(join(tmpdir(), 'smartretail-jwks-'));

  /** Another instance of the service on the same database, configured its own way. */
  const startApp = async (env: Environment): Promise<INestApplication> => {
    const app = await createHttpApplication(h.db.config(env));
    await app.listen(0, '127.0.0.1');
    apps.push(app);
    return app;
  };
  const get = (app: INestApplication, path: string, token: string) =>
    request(app.getHttpServer()).get(path).set('Authorization', `Bearer ${token}`);
  const analyst = (kid: string) => idp.sign(kid, { role: 'analyst' });

  beforeAll(async () => {
    idp = await IdentityProvider.start();
    await idp.addKey('key-1', 'RS256');
    await idp.addKey('key-es', 'ES256');
    await idp.addKey('key-ed', 'EdDSA');
    // Cooldown 0: a refetch on an unknown kid is never postponed, so each test sees its effect.
    h = await startHttpHarness(idp.environment({ JWT_JWKS_COOLDOWN_MS: '0' }));
    await h.db.asOwner((c) => loadRetailFixture(c, 3));
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await h.close();
    await idp.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it.each([
    ['RS256', 'key-1'],
    ['ES256', 'key-es'],
    ['EdDSA', 'key-ed'],
  ])('accepts an %s token signed with %s, a key of the published set', async (_alg, kid) => {
    await get(h.app, '/datasets', await analyst(kid)).expect(200);
  });

  describe('refuses with the same opaque 401, echoing nothing', () => {
    const forged = (header: Record<string, unknown>, secret: string | null) =>
      rawToken(
        header,
        { sub: 'mallory', role: 'admin', iss: idp.issuer, aud: AUDIENCE, exp: nowSeconds() + 300 },
        secret,
      );
    const cases: [string, () => Promise<string>][] = [
      ['a wrong issuer', () => idp.sign('key-1', { role: 'admin', iss: 'https://evil.example/' })],
      ['a wrong audience', () => idp.sign('key-1', { role: 'admin', aud: 'another-api' })],
      ['no audience', () => idp.sign('key-1', { role: 'admin', aud: undefined })],
      ['an expired token', () => idp.sign('key-1', { role: 'admin' }, { exp: nowSeconds() - 5 })],
      ['no application role', () => idp.sign('key-1', { role: 'offline_access' })],
      [
        'an HS256 token signed with JWT_SECRET, when only asymmetric algorithms are allowed',
        () =>
          Promise.resolve(
            signRoleToken(
              { jwtSecret: testSecrets().jwtSecret, jwtIssuer: idp.issuer, jwtAudience: AUDIENCE },
              { role: 'admin', sub: 'mallory', ttlSeconds: 300 },
            ),
          ),
      ],
      [
        'the algorithm-confusion attack: HS256 keyed with the public key PEM of a published kid',
        () =>
          Promise.resolve(
            forged({ alg: 'HS256', typ: 'JWT', kid: 'key-1' }, idp.publicPem('key-1')),
          ),
      ],
      [
        'alg: none with a published kid',
        () => Promise.resolve(forged({ alg: 'none', typ: 'JWT', kid: 'key-1' }, null)),
      ],
    ];

    it.each(cases)('%s', async (_label, token) => {
      const value = await token();
      const res = await get(h.app, '/datasets', value).expect(401);
      expect(res.body).toEqual(REFUSED);
      expect(JSON.stringify(res.body)).not.toContain(value.split('.')[1].slice(0, 24));
    });
  });

  it('answers 401 to a valid identity-provider admin token whose sub is smartretail:retention, saying the prefix is reserved', async () => {
    const token = await idp.sign('key-1', { role: 'admin', sub: 'smartretail:retention' });
    const res = await request(h.app.getHttpServer())
      .delete('/clients/3')
      .set('Authorization', `Bearer ${token}`)
      .expect(401);
    expect(res.body).toEqual({
      ...REFUSED,
      message:
        'Token subjects (sub) starting with "smartretail:" are reserved for the service\'s own jobs in the audit trail',
    });
    const [{ erased }] = await h.db.asOwner(
      async (c) =>
        (
          await c.query<{ erased: boolean }>(
            'SELECT erased_at IS NOT NULL AS erased FROM clients WHERE client_id = 3',
          )
        ).rows,
    );
    expect(erased).toBe(false);
  });

  it('logs why an algorithm-confusion token was refused, without the token or the key', async () => {
    const token = rawToken(
      { alg: 'HS256', typ: 'JWT', kid: 'key-1' },
      { sub: 'mallory', role: 'admin', iss: idp.issuer, aud: AUDIENCE, exp: nowSeconds() + 300 },
      idp.publicPem('key-1'),
    );
    const lines: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      await get(h.app, '/datasets', token).expect(401);
    } finally {
      spy.mockRestore();
    }
    const log = lines.join('');
    expect(log).toContain('Token refused: its algorithm is not among JWT_ALGORITHMS');
    expect(log).not.toContain(token.split('.')[1].slice(0, 24));
    expect(log).not.toContain(token.split('.')[2].slice(0, 24));
    expect(log).not.toMatch(/BEGIN PUBLIC KEY|\n\s+at /);
  });

  describe('key rotation by kid', () => {
    it('refetches the set on an unknown kid, and still refuses the token when the kid stays unknown', async () => {
      await idp.addKey('never-published', 'RS256', false);
      await get(h.app, '/datasets', await analyst('key-1')).expect(200);
      const before = idp.fetches;
      const res = await get(h.app, '/datasets', await analyst('never-published')).expect(401);
      expect(res.body).toEqual(REFUSED);
      expect(idp.fetches).toBe(before + 1);
    });

    it('accepts a key the provider published after the set was cached', async () => {
      await idp.addKey('key-2', 'RS256', false);
      await get(h.app, '/datasets', await analyst('key-1')).expect(200);
      idp.publish('key-2');
      const before = idp.fetches;
      await get(h.app, '/datasets', await analyst('key-2')).expect(200);
      expect(idp.fetches).toBe(before + 1);
    });

    it('refuses a key the provider removed, once the set is refreshed', async () => {
      const removed = await analyst('key-1');
      idp.unpublish('key-1');
      // Refreshed here by an unknown kid; otherwise at the latest after JWT_JWKS_MAX_AGE_MS.
      await get(h.app, '/datasets', await analyst('never-published')).expect(401);
      await get(h.app, '/datasets', removed).expect(401);
      await get(h.app, '/datasets', await analyst('key-2')).expect(200);
      idp.publish('key-1');
    });
  });

  describe('the role, found at JWT_ROLE_CLAIM, is the PostgreSQL role of the request', () => {
    const cases: [string, Record<string, unknown>, 'admin' | 'analyst' | 'writer'][] = [
      ['role', { role: 'admin' }, 'admin'],
      [
        'app_metadata.role',
        { app_metadata: { role: 'analyst' }, sub: 'auth0|64f1c2d9' },
        'analyst',
      ],
      [
        '"https://smartretail.example/role"',
        { 'https://smartretail.example/role': 'admin', sub: 'auth0|64f1c2d9' },
        'admin',
      ],
      [
        'realm_access.roles',
        { realm_access: { roles: ['offline_access', 'default-roles-retail', 'writer', 'admin'] } },
        'writer',
      ],
      [
        'realm_access.roles',
        { realm_access: { roles: ['uma_authorization', 'analyst'] } },
        'analyst',
      ],
    ];

    it.each(cases)('%s in %j reads client 1 as %s', async (path, claims, role) => {
      const app = await startApp(idp.environment({ JWT_ROLE_CLAIM: path }));
      const res = await get(app, '/datasets/clients/records/1', await idp.sign('key-1', claims));
      const client = aClient({ client_id: 1 });
      if (role === 'writer') {
        // writer imports data but may not read client records: PostgreSQL's grants say so.
        expect(res.status).toBe(403);
      } else if (role === 'admin') {
        expect(res.status).toBe(200);
        expect(JSON.stringify(res.body)).toContain(client.email);
      } else {
        expect(res.status).toBe(200);
        expect(JSON.stringify(res.body)).not.toContain(client.email);
        expect(JSON.stringify(res.body)).toContain('annee_naissance');
      }
    });

    it('refuses a token whose role sits elsewhere than JWT_ROLE_CLAIM says', async () => {
      const app = await startApp(idp.environment({ JWT_ROLE_CLAIM: 'app_metadata.role' }));
      const res = await get(app, '/datasets', await idp.sign('key-1', { role: 'admin' }));
      expect(res.status).toBe(401);
    });
  });

  it('with HS256 and RS256 both listed, verifies each with its own key only', async () => {
    const app = await startApp(idp.environment({ JWT_ALGORITHMS: 'HS256,RS256' }));
    const own = signRoleToken(
      { jwtSecret: testSecrets().jwtSecret, jwtIssuer: idp.issuer, jwtAudience: AUDIENCE },
      { role: 'analyst', sub: 'operator', ttlSeconds: 300 },
    );
    await get(app, '/datasets', own).expect(200);
    await get(app, '/datasets', await analyst('key-1')).expect(200);
    const confused = rawToken(
      { alg: 'HS256', typ: 'JWT', kid: 'key-1' },
      { sub: 'mallory', role: 'admin', iss: idp.issuer, aud: AUDIENCE, exp: nowSeconds() + 300 },
      idp.publicPem('key-1'),
    );
    expect((await get(app, '/datasets', confused).expect(401)).body).toEqual(REFUSED);
  });

  it('verifies against a JWKS file (JWT_JWKS_FILE) with no provider to reach', async () => {
    const file = join(workDir, 'jwks.json');
    writeFileSync(file, JSON.stringify(idp.keySet()));
    const app = await startApp({
      JWT_JWKS_FILE: file,
      JWT_ISSUER: idp.issuer,
      JWT_AUDIENCE: AUDIENCE,
    });
    const before = idp.fetches;
    await get(app, '/datasets', await analyst('key-es')).expect(200);
    await get(app, '/datasets', await analyst('never-published')).expect(401);
    expect(idp.fetches).toBe(before);
    const ready = await request(app.getHttpServer()).get('/health/ready').expect(200);
    expect(ready.body.details).not.toHaveProperty('jwks');
  });

  describe('readiness and an unreachable provider', () => {
    it('fetches the JWKS not fetched yet, and reports its key count and last refresh', async () => {
      const app = await startApp(idp.environment());
      const before = idp.fetches;
      const res = await request(app.getHttpServer()).get('/health/ready').expect(200);
      expect(idp.fetches).toBe(before + 1);
      expect(res.body.details.jwks).toEqual({
        status: 'up',
        keys: idp.keySet().keys.length,
        lastRefresh: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as string,
      });
    });

    it('answers 503, not 401, when the set cannot be fetched, and readiness names the JWKS', async () => {
      // Cooldown 0: the failed fetch is not kept, so the recovery shows at once (a failure kept
      // for the cooldown: identity-provider-faults.spec.ts).
      const app = await startApp(idp.environment({ JWT_JWKS_COOLDOWN_MS: '0' }));
      await idp.stop();
      try {
        const token = await analyst('key-1');
        const res = await get(app, '/datasets', token).expect(503);
        expect(res.body).toEqual({
          statusCode: 503,
          error: 'Service Unavailable',
          message: "The identity provider's signing keys cannot be fetched right now",
          requestId: expect.any(String) as string,
        });
        expect(JSON.stringify(res.body)).not.toContain(token.split('.')[1].slice(0, 24));
        const ready = await request(app.getHttpServer()).get('/health/ready').expect(503);
        expect(ready.body.details.failing).toEqual(['jwks']);
      } finally {
        await idp.restart();
      }
      await get(app, '/datasets', await analyst('key-1')).expect(200);
      await request(app.getHttpServer()).get('/health/ready').expect(200);
    });
  });
});
