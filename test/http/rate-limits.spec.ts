/**
 * Rate limits answer 429 with Retry-After in the API's error shape: failed authentications per
 * client address, uploads per token subject.
 */
import request from 'supertest';
import { HttpHarness, startHttpHarness } from '../support/http-app';
import { fixture } from '../support/import-harness';
import { bearer } from '../support/role-tokens';

const BAD_TOKEN = 'Bearer abc.def.ghi';

function expectTooManyRequests(res: request.Response, window: number): void {
  expect(res.status).toBe(429);
  const retryAfter = Number(res.headers['retry-after']);
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(window);
  expect(res.body).toMatchObject({
    statusCode: 429,
    error: 'Too Many Requests',
    message: expect.any(String),
    requestId: res.headers['x-request-id'],
  });
}

describe('rate limit on failed authentications, per client address', () => {
  let h: HttpHarness;
  const get = (authorization: string, forwardedFor?: string) => {
    const req = request(h.app.getHttpServer()).get('/datasets').set('Authorization', authorization);
    return forwardedFor ? req.set('X-Forwarded-For', forwardedFor) : req;
  };

  describe('without a trusted proxy', () => {
    beforeAll(async () => {
      h = await startHttpHarness({ RATE_LIMIT_AUTH_FAILURES: '3', RATE_LIMIT_AUTH_WINDOW_S: '60' });
    });
    afterAll(() => h.close());

    it('answers 401 up to the limit, then 429 with Retry-After, even under a forged X-Forwarded-For', async () => {
      for (let i = 0; i < 3; i++) await get(BAD_TOKEN).expect(401);
      expectTooManyRequests(await get(BAD_TOKEN), 60);
      // X-Forwarded-For is not trusted by default: it cannot buy a fresh address.
      expectTooManyRequests(await get(BAD_TOKEN, '203.0.113.77'), 60);
      expect((await get(BAD_TOKEN)).body.message).toBe(
        'Too many failed authentications from this address; try again later',
      );
    });

    it('still serves valid tokens from that address', async () => {
      await get(bearer('analyst')[1]).expect(200);
    });
  });

  describe('behind a trusted proxy (TRUST_PROXY=loopback)', () => {
    beforeAll(async () => {
      h = await startHttpHarness({ RATE_LIMIT_AUTH_FAILURES: '2', TRUST_PROXY: 'loopback' });
    });
    afterAll(() => h.close());

    it('counts each forwarded client address on its own', async () => {
      await get(BAD_TOKEN, '203.0.113.5').expect(401);
      await get(BAD_TOKEN, '203.0.113.5').expect(401);
      expectTooManyRequests(await get(BAD_TOKEN, '203.0.113.5'), 60);
      await get(BAD_TOKEN, '203.0.113.6').expect(401);
    });
  });
});

describe('rate limit on uploads, per token subject', () => {
  let h: HttpHarness;
  const upload = (sub: string) =>
    request(h.app.getHttpServer())
      .post('/datasets/magasins/imports')
      .set(...bearer('writer', sub))
      .attach('file', fixture('ok/magasins_quoted.csv'));
  const runs = () =>
    h.db.asOwner(
      async (c) =>
        (await c.query('SELECT count(*)::int AS n FROM import_runs')).rows[0].n as number,
    );

  beforeAll(async () => {
    h = await startHttpHarness({ RATE_LIMIT_UPLOADS: '2', RATE_LIMIT_UPLOAD_WINDOW_S: '120' });
  });
  afterAll(() => h.close());

  it('refuses the upload past the limit with 429 and Retry-After, before recording any run', async () => {
    await upload('loader-1').expect(201);
    await upload('loader-1').expect(201);
    const before = await runs();
    const refused = await upload('loader-1');
    expectTooManyRequests(refused, 120);
    expect(refused.body.message).toBe('Too many uploads for this subject: at most 2 per 120s');
    expect(await runs()).toBe(before);
  });

  it('counts each subject on its own', async () => {
    await upload('loader-2').expect(201);
  });
});
