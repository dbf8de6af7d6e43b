/**
 * An identity provider that fails, stalls or answers far too much, served on loopback by a real
 * HTTP server (test/support/identity-provider.ts), in front of the real HTTP application: the
 * provider is asked for its key set at most once per JWT_JWKS_COOLDOWN_MS whatever the traffic,
 * and no answer of it is read past JWKS_MAX_BYTES or JWT_JWKS_TIMEOUT_MS.
 */
import { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type { Environment } from '../../src/config/app-config';
import { createHttpApplication } from '../../src/http-application';
import { HttpHarness, startHttpHarness } from '../support/http-app';
import {
  AUDIENCE,
  HUGE_KEY_SET_BYTES,
  IdentityProvider,
  KeySetAnswer,
} from '../support/identity-provider';
import { logOf } from '../support/captured-log';
import { nowSeconds, rawToken } from '../support/role-tokens';

const UNAVAILABLE = {
  statusCode: 503,
  error: 'Service Unavailable',
  message: "The identity provider's signing keys cannot be fetched right now",
  requestId: expect.any(String) as string,
};

describe('an identity provider that fails, stalls or answers too much', () => {
  let idp: IdentityProvider;
  let h: HttpHarness;
  const apps: INestApplication[] = [];

  /** An instance of the service on the harness's database, with this provider. */
  const startApp = async (env: Environment): Promise<INestApplication> => {
    const app = await createHttpApplication(
      // Unknown kids are failed authentications: a high limit keeps them 401s, not 429s.
      h.db.config(idp.environment({ RATE_LIMIT_AUTH_FAILURES: '1000', ...env })),
    );
    await app.listen(0, '127.0.0.1');
    apps.push(app);
    return app;
  };
  const get = (app: INestApplication, token: string) =>
    request(app.getHttpServer()).get('/datasets').set('Authorization', `Bearer ${token}`);
  /** A token naming a kid nobody published, with a random signature: costs an attacker nothing. */
  const garbage = (i: number) =>
    rawToken(
      { alg: 'RS256', typ: 'JWT', kid: `unknown-${i}` },
      { sub: 'mallory', role: 'admin', iss: idp.issuer, aud: AUDIENCE, exp: nowSeconds() + 300 },
      null,
    ) + randomBytes(256).toString('base64url');
  const analyst = () => idp.sign('key-1', { role: 'analyst' });

  beforeAll(async () => {
    idp = await IdentityProvider.start();
    await idp.addKey('key-1', 'RS256');
    h = await startHttpHarness(idp.environment());
  });
  afterEach(() => {
    idp.answer = 'keys';
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await h.close();
    await idp.stop();
  });

  it('asks a provider that answers 500 once per cooldown, however many tokens arrive, and logs one error', async () => {
    const app = await startApp({ JWT_JWKS_COOLDOWN_MS: '600000' });
    idp.answer = 'error';
    const before = idp.fetches;
    const log = await logOf(async () => {
      // At once (one fetch in flight is shared), then one after the other (the failure is kept).
      const together = await Promise.all([...Array(10).keys()].map((i) => get(app, garbage(i))));
      for (const res of together) expect(res.body).toEqual(UNAVAILABLE);
      for (let i = 10; i < 30; i++) await get(app, garbage(i)).expect(503);
      await get(app, await analyst()).expect(503);
    });
    // The access log has its line per 5xx answer; besides it, the one failed fetch.
    const errors = log.filter((l) => l.level === 'error' && l.context !== 'AccessLog');
    expect(errors.map((l) => l.msg)).toEqual([
      expect.stringContaining('the JWKS at JWT_JWKS_URL could not be fetched: it answered 500'),
    ]);
    // Readiness keeps to the same cooldown: it reports the failure kept, without asking again.
    const ready = await request(app.getHttpServer()).get('/health/ready').expect(503);
    expect(ready.body.details.failing).toEqual(['jwks']);
    expect(idp.fetches - before).toBe(1);
  });

  it('asks again once the cooldown is over, and then verifies with the recovered set', async () => {
    const app = await startApp({ JWT_JWKS_COOLDOWN_MS: '300' });
    idp.answer = 'error';
    const before = idp.fetches;
    await get(app, await analyst()).expect(503);
    await get(app, await analyst()).expect(503);
    expect(idp.fetches - before).toBe(1);
    idp.answer = 'keys';
    await new Promise((resolve) => setTimeout(resolve, 400));
    await get(app, await analyst()).expect(200);
    expect(idp.fetches - before).toBe(2);
  });

  it('costs a healthy provider no fetch beyond the cooldown for unknown kids with bad signatures', async () => {
    const app = await startApp({ JWT_JWKS_COOLDOWN_MS: '600000' });
    await get(app, await analyst()).expect(200);
    const before = idp.fetches;
    for (let i = 0; i < 30; i++) await get(app, garbage(i)).expect(401);
    expect(idp.fetches).toBe(before);
  });

  it.each<[string, KeySetAnswer]>([
    ['sends nothing at all', 'silent'],
    ['sends the headers and the start of the set, then nothing', 'stall'],
  ])(
    'gives up after JWT_JWKS_TIMEOUT_MS on a provider that %s, and recovers',
    async (_label, answer) => {
      // Cooldown 0: the failure is not kept, so the recovery shows at the next token.
      const app = await startApp({ JWT_JWKS_TIMEOUT_MS: '300', JWT_JWKS_COOLDOWN_MS: '0' });
      idp.answer = answer;
      expect((await get(app, await analyst()).expect(503)).body).toEqual(UNAVAILABLE);
      idp.answer = 'keys';
      await get(app, await analyst()).expect(200);
    },
    // Reached only if the service waits for the provider for ever.
    20_000,
  );

  it('refuses a 50 MB key set after reading at most 1 MB of it, and recovers', async () => {
    const app = await startApp({ JWT_JWKS_COOLDOWN_MS: '0' });
    idp.answer = 'huge';
    idp.bytesServed = 0;
    const log = await logOf(async () => {
      expect((await get(app, await analyst()).expect(503)).body).toEqual(UNAVAILABLE);
    });
    // The provider stops writing when the service hangs up (socket buffers hold a few MB).
    expect(idp.bytesServed).toBeLessThan(HUGE_KEY_SET_BYTES);
    expect(log.map((l) => l.msg)).toContainEqual(
      expect.stringContaining('its answer is larger than 1048576 bytes'),
    );
    idp.answer = 'keys';
    await get(app, await analyst()).expect(200);
  });
});
