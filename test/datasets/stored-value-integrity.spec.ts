import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request as httpGet } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';
import type { Client } from 'pg';
import { HttpHarness, startHttpHarness } from '../support/http-app';
import { bearer } from '../support/role-tokens';
import { insertClients, loadRetailFixture, manyClients } from '../support/retail-fixture';
import { TestDatabase } from '../support/test-database';

/**
 * One corrupt stored value is the operator's problem, not every reader's: reads that meet it
 * answer a clean 500 under their request id, the log names the dataset, the row's key and the
 * column (never the value), and `npm run keys:verify` lists exactly what does not open.
 */
const CLIENTS = 12;
const MANY = 1100;
const INTEGRITY = 'stored data failed its integrity check';

/** Flips one byte inside a stored value, as a disk fault or a bad hand edit would (no trigger). */
async function flipByte(c: Client, table: string, column: string, key: string, id: number) {
  await c.query(`SET session_replication_role = replica`);
  await c.query(
    `UPDATE ${table} SET ${column} = set_byte(${column}, 24, get_byte(${column}, 24) # 1) WHERE ${key} = $1`,
    [id],
  );
  await c.query(`RESET session_replication_role`);
}

function captureLog(): { text: () => string; restore: () => void } {
  const written: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    written.push(String(chunk));
    return true;
  });
  return { text: () => written.join(''), restore: () => spy.mockRestore() };
}

/** The keys:verify CLI, compiled, against `db`. */
async function keysVerify(db: TestDatabase) {
  const child = spawn(
    process.execPath,
    [join(__dirname, '../../dist/src/cli/verify-keys.js'), '--batch-size', '500'],
    { env: { ...process.env, ...db.environment() }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'exit')) as [number];
  return { code, stdout, stderr };
}

describe('a stored value that does not open', () => {
  let h: HttpHarness;
  const expected = manyClients(MANY);
  const get = (path: string, role: 'admin' | 'analyst' = 'admin') =>
    request(h.app.getHttpServer())
      .get(path)
      .set(...bearer(role));

  beforeAll(async () => {
    h = await startHttpHarness();
    await h.db.asOwner(async (c) => {
      await loadRetailFixture(c, CLIENTS);
      await insertClients(c, expected.slice(CLIENTS));
      await flipByte(c, 'clients', 'ville', 'client_id', 3);
      await flipByte(c, 'clients', 'nom', 'client_id', 1050);
      await flipByte(c, 'smartretail.client_keys', 'wrapped_key', 'client_id', 7);
    });
  });
  afterAll(() => h.close());

  async function expectCleanFailure(path: string, role: 'admin' | 'analyst', names: RegExp) {
    const log = captureLog();
    let res;
    try {
      res = await get(path, role);
    } finally {
      log.restore();
    }
    expect(res.status).toBe(500);
    expect(res.body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: INTEGRITY,
      requestId: res.headers['x-request-id'],
    });
    const lines = log
      .text()
      .split('\n')
      .filter((l) => l.includes(INTEGRITY));
    expect(lines.join('\n')).toMatch(names);
    expect(lines.join('\n')).toContain(res.headers['x-request-id']);
    expect(log.text()).not.toContain(expected[2].ville);
    return log.text();
  }

  it('answers a page that reads it (?limit=2 looks one row ahead) with a clean 500, and logs dataset, key and column', async () => {
    await expectCleanFailure(
      '/datasets/clients/records?limit=2',
      'admin',
      /clients client_id=3 column ville: does not open/,
    );
  });

  it('does the same for analyst pages, through the pseudonymised view', async () => {
    await expectCleanFailure(
      '/datasets/clients/records?limit=2',
      'analyst',
      /clients client_id=3 column ville: does not open/,
    );
  });

  it('answers a CSV export whose first rows hold it with a clean 500 JSON, not a cut body', async () => {
    await expectCleanFailure(
      '/datasets/clients/records?client_id=lt.20&limit=5',
      'admin',
      /clients client_id=3 column ville/,
    );
    const log = captureLog();
    let res;
    try {
      res = await get('/datasets/clients/records?client_id=lt.20', 'admin').set(
        'Accept',
        'text/csv',
      );
    } finally {
      log.restore();
    }
    expect(res.status).toBe(500);
    expect(res.body.message).toBe(INTEGRITY);
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
    // The CSV's first batch holds client 7 too, whose data key does not open: even the batch's
    // keys cannot be read past it, and PostgreSQL's message names that client.
    expect(log.text()).toMatch(
      /clients: Wrong key or corrupt data: the data key of client 7 does not open/,
    );
  });

  it('cuts a CSV whose headers were sent (the client sees an error), and logs after how many rows and why', async () => {
    const log = captureLog();
    const address = (h.app.getHttpServer() as Server).address() as AddressInfo;
    const outcome = await new Promise<{ status: number; received: string; error: string }>(
      (resolve) => {
        const req = httpGet(
          {
            host: '127.0.0.1',
            port: address.port,
            path: '/datasets/clients/records?client_id=gt.12',
            headers: { Accept: 'text/csv', Authorization: bearer('admin')[1] },
          },
          (res) => {
            let received = '';
            res.on('data', (d: Buffer) => (received += d.toString()));
            res.on('error', (e) =>
              resolve({ status: res.statusCode!, received, error: e.message }),
            );
            res.on('end', () => resolve({ status: res.statusCode!, received, error: 'none' }));
          },
        );
        req.on('error', (e) => resolve({ status: 0, received: '', error: e.message }));
        req.end();
      },
    );
    log.restore();
    expect(outcome.status).toBe(200);
    expect(outcome.error).not.toBe('none');
    expect(outcome.received.trim().split('\r\n')).toHaveLength(1 + 1000);
    expect(log.text()).toMatch(
      /stored data failed its integrity check \[[0-9a-f-]{36}\] \(the CSV of clients was cut after 1000 row\(s\)\): clients client_id=1050 column nom: does not open/,
    );
    expect(log.text()).not.toContain(expected[1049].nom);
  });

  it('answers a single record and a GDPR export of that client with a clean 500', async () => {
    await expectCleanFailure('/datasets/clients/records/3', 'admin', /client_id=3 column ville/);
    await expectCleanFailure('/clients/3/export', 'admin', /client_id=3 column ville/);
  });

  it('names the data key when none of a row’s values opens (its wrapped key was altered)', async () => {
    await expectCleanFailure(
      '/datasets/clients/records/7',
      'admin',
      /clients client_id=7: no value of this row opens .*wrapped data key/,
    );
  });

  it('keeps serving the rows that open', async () => {
    const res = await get('/datasets/clients/records?client_id=in.(1,2)').expect(200);
    expect(res.body.items).toEqual([expected[0], expected[1]]);
  });

  it('keys:verify lists exactly the values and data keys that do not open, and exits 1', async () => {
    const { code, stdout, stderr } = await keysVerify(h.db);
    const problems = stdout.split('\n').filter((l) => l.startsWith('clients '));
    expect(problems).toEqual([
      'clients client_id=3 column ville: does not open',
      expect.stringMatching(/^clients client_id=7: no value of this row opens .*wrapped data key/),
      'clients client_id=1050 column nom: does not open',
    ]);
    expect(stderr).toMatch(
      /keys:verify: 6600 sealed value\(s\) of 1100 row\(s\) and 1100 wrapped data key\(s\) checked: 3 row\(s\)/,
    );
    expect(stdout + stderr).not.toContain(expected[2].ville);
    expect(code).toBe(1);
  });

  it('keys:verify exits 0 on a database whose values all open', async () => {
    const clean = await TestDatabase.create();
    try {
      await clean.migrate();
      await clean.asOwner((c) => loadRetailFixture(c, CLIENTS));
      const { code, stdout } = await keysVerify(clean);
      expect(stdout).toMatch(
        /keys:verify: 72 sealed value\(s\) of 12 row\(s\) and 12 wrapped data key\(s\) checked: every one opens/,
      );
      expect(code).toBe(0);
    } finally {
      await clean.drop();
    }
  });
});
