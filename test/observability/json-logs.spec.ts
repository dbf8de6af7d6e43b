/**
 * The service's logs as an operator's collector sees them: the real process with LOG_FORMAT=json,
 * real requests (ok, 401, 404, an admin read of personal data, an upload with a bad row), then
 * every line of its output parsed as JSON and searched for what must never be there.
 */
import request from 'supertest';
import { aClient, clientsCsv } from '../support/client-factory';
import { tokenFor } from '../support/role-tokens';
import { freePort, ServiceProcess } from '../support/service-process';
import { TestDatabase, testSecrets } from '../support/test-database';

type LogLine = Record<string, unknown>;

/** Personal values nobody would write by chance: none may appear in any log line. */
const MARKERS = {
  nom: 'Qzvxnomlog',
  prenom: 'Qzvxprenomlog',
  email: 'qzvx.maillog@exemple.fr',
  ville: 'Qzvxvillelog',
  badEmail: 'qzvx-not-an-email',
};

const UPLOAD = clientsCsv(
  [
    aClient({ client_id: 1, nom: MARKERS.nom, prenom: MARKERS.prenom, email: MARKERS.email }),
    aClient({ client_id: 2, ville: MARKERS.ville, email: 'qzvx.other@exemple.fr' }),
  ],
  [`3,${MARKERS.nom},${MARKERS.prenom},${MARKERS.badEmail},1990-01-01,F,Lyon,2024-01-15`],
);

describe('JSON logs of the running service', () => {
  let db: TestDatabase;
  let service: ServiceProcess;
  let base: string;
  const adminToken = tokenFor('admin', 'ops-admin');
  const writerToken = tokenFor('writer', 'ops-writer');
  const lines = (): LogLine[] =>
    service.output
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as LogLine);
  const accessLine = (requestId: string): LogLine | undefined =>
    lines().find((l) => l.context === 'AccessLog' && l.requestId === requestId);
  const eventually = async <T>(find: () => T | undefined, what: string): Promise<T> => {
    for (let i = 0; i < 100; i++) {
      const found = find();
      if (found !== undefined) return found;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`never logged: ${what}\n${service.output}`);
  };

  beforeAll(async () => {
    db = await TestDatabase.create();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    service = ServiceProcess.start(
      db.environment({
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'log',
        LOG_FORMAT: 'json',
      }) as Record<string, string>,
    );
    await service.waitFor('SmartRetail listening');
  });
  afterAll(async () => {
    await service?.stop();
    await db.drop();
  });

  it('logs one access line per request: method, route template, status, duration, request id, bytes', async () => {
    const ok = await request(base).get('/health/live').expect(200);
    const missing = await request(base).get('/nowhere?token=abc').expect(404);
    const dataset = await request(base)
      .get('/datasets/unicorns/records')
      .set('Authorization', `Bearer ${adminToken}`)
      .expect(404);

    const unmatched = await eventually(
      () => accessLine(missing.headers['x-request-id']),
      'the 404 of an unknown path',
    );
    expect(unmatched).toMatchObject({ level: 'info', method: 'GET', route: null, status: 404 });
    expect(unmatched.sub).toBeUndefined();

    const routed = await eventually(
      () => accessLine(dataset.headers['x-request-id']),
      'the 404 of an unknown dataset',
    );
    expect(routed).toMatchObject({
      level: 'info',
      msg: 'GET /datasets/:dataset/records 404',
      method: 'GET',
      route: '/datasets/:dataset/records',
      status: 404,
      sub: 'ops-admin',
      role: 'admin',
      bytes: Number(dataset.headers['content-length']),
    });
    expect(routed.durationMs).toEqual(expect.any(Number));
    expect(routed.time).toEqual(expect.any(String));

    // A successful probe is logged too, below the default level.
    expect(accessLine(ok.headers['x-request-id'])).toBeUndefined();
  });

  it('logs a refused token as a 401 without subject or role, with its own request id and the caller-given one as correlation id', async () => {
    const res = await request(base)
      .get('/datasets/clients/records')
      .set('Authorization', 'Bearer not.a.token')
      .set('X-Request-Id', 'ops-check-401')
      .expect(401);
    expect(res.headers['x-request-id']).not.toBe('ops-check-401');
    const refused = await eventually(() => accessLine(res.headers['x-request-id']), 'the 401');
    expect(refused).toMatchObject({
      status: 401,
      route: '/datasets/:dataset/records',
      correlationId: 'ops-check-401',
    });
    expect(refused).not.toHaveProperty('sub');
    expect(refused).not.toHaveProperty('role');
  });

  it('logs an upload with a bad row as its access line and one import-run line, without its values', async () => {
    const upload = await request(base)
      .post('/datasets/clients/imports')
      .set('Authorization', `Bearer ${writerToken}`)
      .attach('file', Buffer.from(UPLOAD), 'clients-upload.csv')
      .expect(201);
    expect(upload.body.counts).toMatchObject({ rowsRead: 3, inserted: 2, rejected: 1 });

    const access = await eventually(() => accessLine(upload.headers['x-request-id']), 'the upload');
    expect(access).toMatchObject({
      method: 'POST',
      route: '/datasets/:dataset/imports',
      status: 201,
      sub: 'ops-writer',
      role: 'writer',
    });
    const runs = lines().filter((l) => l.context === 'ImportRun');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      level: 'warn',
      runId: upload.body.id,
      dataset: 'clients',
      source: 'upload',
      status: 'succeeded',
      rowsRead: 3,
      inserted: 2,
      rejected: 1,
      // Logged inside the request: it carries the request's id.
      requestId: upload.headers['x-request-id'],
    });
    expect(runs[0].durationMs).toEqual(expect.any(Number));
  });

  it('reads and looks up personal data as admin without logging it, nor the query string', async () => {
    const page = await request(base)
      .get('/datasets/clients/records')
      .set('Authorization', `Bearer ${adminToken}`)
      .expect(200);
    expect(JSON.stringify(page.body)).toContain(MARKERS.nom);
    const lookup = await request(base)
      .get('/datasets/clients/records')
      .query({ email: MARKERS.email })
      .set('Authorization', `Bearer ${adminToken}`)
      .expect(200);
    const line = await eventually(() => accessLine(lookup.headers['x-request-id']), 'the lookup');
    expect(line).toMatchObject({ status: 200, route: '/datasets/:dataset/records', role: 'admin' });
  });

  it('writes nothing but JSON lines, with no token, secret or personal value in any of them', async () => {
    await service.stop();
    const output = service.output;
    expect(output).toContain('"msg":"SIGINT received, shutting down"');
    const parsed = lines();
    expect(parsed.length).toBeGreaterThan(10);
    for (const line of parsed) {
      expect(line).toEqual(
        expect.objectContaining({ level: expect.any(String), msg: expect.any(String) }),
      );
    }
    // No ANSI colour codes: a file or a collector gets plain JSON.
    expect(output).not.toContain('\u001b[');
    const s = testSecrets();
    const forbidden = [
      adminToken,
      writerToken,
      adminToken.split('.')[2],
      s.encryptionKey,
      s.blindIndexKey,
      s.jwtSecret,
      s.appDbPassword,
      s.grafanaDbPassword,
      'Bearer',
      'not.a.token',
      ...Object.values(MARKERS),
      encodeURIComponent(MARKERS.email),
    ];
    for (const value of forbidden) expect(output).not.toContain(value);
  });
});

describe('pretty logs written to a file', () => {
  it('are plain text with no ANSI colour codes when stdout is no terminal', async () => {
    const db = await TestDatabase.create();
    const service = ServiceProcess.start(
      db.environment({
        PORT: String(await freePort()),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'log',
        LOG_FORMAT: 'pretty',
      }) as Record<string, string>,
    );
    try {
      await service.waitFor('SmartRetail listening');
    } finally {
      await service.stop();
      await db.drop();
    }
    expect(service.output).toMatch(/INFO.*\[Bootstrap\] SmartRetail listening on/);
    expect(service.output).not.toContain('\u001b[');
    expect(service.output).not.toContain('{"level"');
  });
});
