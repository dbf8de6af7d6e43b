/**
 * Request bodies the service cannot read, over real HTTP: each is a 4xx in the API's error shape,
 * logged once at warn, and counted against the client address like a failed authentication
 * (RATE_LIMIT_AUTH_FAILURES), never a 500 with a stack.
 */
import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { logOf, LogLine } from '../support/captured-log';
import { HttpHarness, startHttpHarness } from '../support/http-app';
import { bearer } from '../support/role-tokens';

/** The parsers' limit (src/request-body): what a body may inflate to. */
const BODY_LIMIT = 100 * 1024;

/**
 * 1 GiB of zeros as gzip, about 1 MB on the wire, made without ever holding the 1 GiB: one
 * member of 1 MiB of zeros (about 1 kB compressed), written 1024 times. Concatenated members
 * are one gzip stream (RFC 1952), which zlib inflates as such.
 */
const GZIP_MEMBER = gzipSync(Buffer.alloc(1024 * 1024), { level: 9 });
const GZIP_MEMBERS = 1024;

describe('request bodies the service cannot read', () => {
  let h: HttpHarness;
  let address = 0;
  /** Each test from its own client address (TRUST_PROXY=loopback), so limits do not mix. */
  const from = (test: request.Test): request.Test =>
    test.set('X-Forwarded-For', `203.0.113.${address}`);
  const server = () => h.app.getHttpServer();

  beforeAll(async () => {
    h = await startHttpHarness({ TRUST_PROXY: 'loopback', RATE_LIMIT_AUTH_FAILURES: '3' });
  });
  beforeEach(() => {
    address++;
  });
  afterAll(() => h.close());

  const expectRefusal = (res: request.Response, statusCode: number, error: string) =>
    expect(res.body).toEqual({
      statusCode,
      error,
      message: expect.any(String) as string,
      requestId: res.headers['x-request-id'],
    });
  const refusals = (log: LogLine[]) =>
    log.filter((l) => l.context === 'RequestBody').map((l) => [l.level, l.msg]);

  it('answers a 1 GB gzip bomb sent as JSON to the upload route 413, having inflated no more than its limit', async () => {
    let res: request.Response | undefined;
    const log = await logOf(async () => {
      const upload = from(request(server()).post('/datasets/clients/imports'))
        .set(...bearer('writer'))
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', 'gzip');
      for (let i = 0; i < GZIP_MEMBERS; i++) upload.write(GZIP_MEMBER);
      res = await upload;
    });
    expect(res!.status).toBe(413);
    expectRefusal(res!, 413, 'Payload Too Large');
    expect(res!.body.message).toBe('The request body is larger than 102400 bytes (decompressed)');
    const [[level, msg]] = refusals(log);
    expect(level).toBe('warn');
    // The parser counts what it inflated before it stopped: the limit and one zlib chunk at most.
    const inflated = Number(/after (\d+) bytes \(decompressed\)/.exec(String(msg))?.[1]);
    expect(inflated).toBeGreaterThan(BODY_LIMIT);
    expect(inflated).toBeLessThanOrEqual(BODY_LIMIT + 64 * 1024);
    expect(log.filter((l) => l.level === 'error')).toEqual([]);
    // Refused before routing, yet measured (and access-logged) like any other answer.
    const metrics = (await request(server()).get('/metrics').expect(200)).text;
    expect(metrics).toMatch(
      /smartretail_http_request_duration_seconds_count\{method="POST",route="unmatched",status_class="4xx"\} [1-9]/,
    );
  });

  it('answers Content-Encoding: zz on GET /health/live 415', async () => {
    const log = await logOf(async () => {
      const res = await from(request(server()).get('/health/live'))
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', 'zz')
        .send('{"a":1}')
        .expect(415);
      expectRefusal(res, 415, 'Unsupported Media Type');
    });
    expect(refusals(log)).toEqual([['warn', expect.stringContaining('Content-Encoding')]]);
  });

  it('answers a 200 kB urlencoded body on GET /health/live 413, without reading it', async () => {
    const log = await logOf(async () => {
      const res = await from(request(server()).get('/health/live'))
        .type('form')
        .send(`a=${'x'.repeat(200 * 1024)}`)
        .expect(413);
      expectRefusal(res, 413, 'Payload Too Large');
    });
    expect(refusals(log)).toEqual([['warn', expect.stringContaining('declared')]]);
  });

  it('answers JSON that does not parse 400', async () => {
    const res = await from(request(server()).get('/health/live'))
      .set('Content-Type', 'application/json')
      .send('{"a":')
      .expect(400);
    expectRefusal(res, 400, 'Bad Request');
  });

  it('counts refused bodies with failed authentications: past the limit, 429 from that address', async () => {
    const live = () => from(request(server()).get('/health/live'));
    await live()
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'zz')
      .send('{}')
      .expect(415);
    await live()
      .type('form')
      .send(`a=${'x'.repeat(200 * 1024)}`)
      .expect(413);
    await live().set('Content-Type', 'application/json').send('{').expect(400);
    const limited = await live().set('Content-Type', 'application/json').send('{').expect(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(limited.body.message).toBe(
      'Too many refused requests from this address; try again later',
    );
    // The same count as bad tokens; requests that are fine still pass.
    await from(request(server()).get('/datasets')).set('Authorization', 'Bearer a.b.c').expect(429);
    await live().expect(200);
    await from(request(server()).get('/datasets'))
      .set(...bearer('analyst'))
      .expect(200);
  });
});
