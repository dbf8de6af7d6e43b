/**
 * A client trickling its upload body holds no import lock, connection or transaction (the body
 * is received whole before the import queues), so others import meanwhile; once it stops
 * sending for UPLOAD_IDLE_TIMEOUT_MS it gets a 408 and its run is recorded as failed.
 */
import { request as httpRequest, IncomingMessage } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import request from 'supertest';
import { fixture, ImportHarness } from '../support/import-harness';
import { bearer } from '../support/role-tokens';

const BOUNDARY = 'smartretail-trickle';
const IDLE_MS = 1_000;

/** Opens a chunked multipart upload and keeps its body open; `send` adds bytes to it. */
function openUpload(port: number, dataset: string, preamble: string) {
  const req = httpRequest({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: `/datasets/${dataset}/imports`,
    headers: {
      [bearer('writer')[0]]: bearer('writer')[1],
      'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
      'transfer-encoding': 'chunked',
    },
  });
  const response = new Promise<{ status: number; body: string; closed: boolean }>(
    (resolve, reject) => {
      req.on('error', reject);
      req.on('response', (res: IncomingMessage) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body,
            closed: res.headers.connection === 'close',
          }),
        );
      });
    },
  );
  req.write(preamble);
  return { send: (text: string) => req.write(text), response, abort: () => req.destroy() };
}

/** A clients file part whose rows are still to come. */
const trickle = (port: number) =>
  openUpload(
    port,
    'clients',
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="slow.csv"\r\n` +
      `Content-Type: text/csv\r\n\r\nclient_id,nom,prenom,email,date_naissance,sexe,ville\r\n`,
  );

describe('a slow upload', () => {
  let h: ImportHarness;
  let port: number;

  beforeAll(async () => {
    h = await ImportHarness.start({
      UPLOAD_IDLE_TIMEOUT_MS: String(IDLE_MS),
      IMPORT_CRON: '0 0 3 1 1 *',
    });
    port = ((h.app.getHttpServer() as Server).address() as AddressInfo).port;
  });
  afterAll(() => h.stop());

  it('delays no other import of the same dataset while it trickles, then gets a 408 recorded as a failed run', async () => {
    const slow = trickle(port);
    let line = 0;
    // Never idle long enough to time out: a row every 100 ms.
    const drip = setInterval(
      () =>
        slow.send(`${900000 + ++line},Lent,Client,lent${line}@example.com,1990-01-01,F,Lyon\r\n`),
      100,
    );
    try {
      while (line < 3) await new Promise((r) => setTimeout(r, 50));
      let slowAnswered = false;
      void slow.response.finally(() => (slowAnswered = true));
      const other = await request(h.app.getHttpServer())
        .post('/datasets/clients/imports')
        .set(...bearer('writer'))
        .attach('file', fixture('ok/clients.csv'))
        .timeout(10_000);
      expect(other.status).toBe(201);
      // The other import finished while the slow body was still arriving, unanswered.
      expect(slowAnswered).toBe(false);
    } finally {
      clearInterval(drip);
    }

    const refused = await slow.response;
    expect(refused.status).toBe(408);
    expect(refused.closed).toBe(true);
    expect(JSON.parse(refused.body)).toMatchObject({
      statusCode: 408,
      error: 'Request Timeout',
      message: `the upload sent nothing for ${IDLE_MS / 1000} s (UPLOAD_IDLE_TIMEOUT_MS); nothing was imported`,
    });
    const [run] = await h.query<{
      status: string;
      failure_kind: string;
      error: string;
      size_bytes: string;
    }>(
      `SELECT status, failure_kind, error, size_bytes FROM import_runs WHERE file_name = 'slow.csv'`,
    );
    expect(run).toMatchObject({
      status: 'failed',
      failure_kind: 'timeout',
      error: JSON.parse(refused.body).message,
    });
    expect(Number(run.size_bytes)).toBeGreaterThan(0);
    const [{ n }] = await h.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM clients WHERE client_id >= 900000`,
    );
    expect(n).toBe(0);
  });

  it('gets a 408 when the body stops before the file part even starts', async () => {
    const stalled = openUpload(port, 'magasins', `--${BOUNDARY}\r\n`);
    expect((await stalled.response).status).toBe(408);
    stalled.abort();
    await request(h.app.getHttpServer()).get('/health/ready').expect(200);
  });
});
