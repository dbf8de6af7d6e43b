import { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import request from 'supertest';
import type { Environment } from '../../src/config/app-config';
import { loadConfig } from '../../src/config/app-config';
import { verifyDatabaseKeys } from '../../src/database/database-key-check';
import { createHttpApplication } from '../../src/http-application';
import { aClient, clientsCsv } from '../support/client-factory';
import { insertClients, manyClients } from '../support/retail-fixture';
import { bearer } from '../support/role-tokens';
import { opens, unwrapDataKey } from '../support/sealed-value';
import { ServiceProcess } from '../support/service-process';
import { canonicalKey, TestDatabase, testSecrets } from '../support/test-database';

const ROTATE_CLI = join(__dirname, '../../dist/src/cli/rotate-keys.js');
const CLIENTS = 3000;
const oldKey = () => canonicalKey(testSecrets().encryptionKey);
const newKey = randomBytes(32).toString('hex');

const defined = (env: Environment): Record<string, string> =>
  Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));

/** How many clients' e-mails open under `masterKey`, the way someone holding a dump would try. */
async function openedWith(owner: Client, masterKey: string): Promise<number> {
  const { rows } = await owner.query<{ client_id: number; email: Buffer; wrapped_key: Buffer }>(
    `SELECT client_id, c.email, k.wrapped_key
       FROM clients c JOIN smartretail.client_keys k USING (client_id)`,
  );
  const opened = (r: (typeof rows)[number]) => {
    try {
      return opens(
        r.email,
        unwrapDataKey(r.wrapped_key, masterKey, r.client_id),
        r.client_id,
        'email',
      );
    } catch {
      return false;
    }
  };
  return rows.filter(opened).length;
}

const versions = async (owner: Client) =>
  Object.fromEntries(
    (
      await owner.query<{ v: number; n: number }>(
        'SELECT master_key_version AS v, count(*)::int AS n FROM smartretail.client_keys GROUP BY 1',
      )
    ).rows.map((r) => [r.v, r.n]),
  );

// eslint-disable-next-line no-control-regex -- an escape character is what is looked for
const ANSI_ESCAPE = /\u001b\[/;

describe('npm run keys:rotate: online, resumable master-key rotation', () => {
  let db: TestDatabase;
  let owner: Client;
  let app: INestApplication;
  let rotatingEnv: Environment;
  const expected = new Map<number, string>();

  beforeAll(async () => {
    db = await TestDatabase.create();
    await db.migrate();
    owner = await db.connect('owner');
    await insertClients(owner, manyClients(CLIENTS));
    for (const c of manyClients(CLIENTS)) expected.set(c.client_id, c.ville!);
    // Step 1 of the protocol: every instance gets the next key before the rotation runs.
    rotatingEnv = db.environment({ NEW_ENCRYPTION_KEY: newKey });
    const config = loadConfig(rotatingEnv, { embedded: false });
    await verifyDatabaseKeys(config);
    app = await createHttpApplication(config);
    await app.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await app?.close();
    await owner.end();
    await db.drop();
  });

  it('enrols the next version when an instance holding both keys starts, and moves the key check value to it', async () => {
    const kcv = await owner.query(
      `SELECT (SELECT check_value FROM smartretail.key_check_values WHERE key_name = 'encryption')
              = smartretail.key_check_value('encryption', $1) AS follows,
              (SELECT array_agg(version ORDER BY version) FROM smartretail.master_key_versions) AS versions`,
      [newKey],
    );
    expect(kcv.rows[0]).toEqual({ follows: true, versions: [1, 2] });
    // An instance that still has only the old key can no longer start (nor write).
    await expect(verifyDatabaseKeys(db.config())).rejects.toThrow(/ENCRYPTION_KEY does not match/);
  });

  it('re-wraps every key while reads and imports go on, survives a kill mid-way, and loses nothing', async () => {
    let stop = false;
    const failures: string[] = [];
    let nextId = 100_000;
    let round = 0;
    const traffic = (async () => {
      while (!stop) {
        round++;
        const page = await request(app.getHttpServer())
          .get(`/datasets/clients/records?limit=100`)
          .set(...bearer('admin'));
        if (page.status !== 200) failures.push(`read ${page.status} ${JSON.stringify(page.body)}`);
        const changed = aClient({
          client_id: 1 + ((round * 37) % CLIENTS),
          ville: `Ville ${round}`,
        });
        const added = aClient({ client_id: nextId++, ville: 'Neuve' });
        const upload = await request(app.getHttpServer())
          .post('/datasets/clients/imports')
          .set(...bearer('writer'))
          .attach('file', Buffer.from(clientsCsv([changed, added])), 'clients.csv');
        if (upload.status !== 201)
          failures.push(`import ${upload.status} ${JSON.stringify(upload.body)}`);
        else {
          expected.set(changed.client_id, changed.ville!);
          expected.set(added.client_id, added.ville!);
        }
      }
    })();

    const first = ServiceProcess.start(defined(rotatingEnv), {
      script: ROTATE_CLI,
      args: ['--batch-size', '10'],
    });
    await first.waitFor(/re-wrapped [1-9]\d* data keys/);
    await first.stop('SIGKILL');
    const midway = await versions(owner);
    expect(midway[1]).toBeGreaterThan(0);
    expect(midway[1]).toBeLessThan(CLIENTS);

    const resumed = ServiceProcess.start(defined(rotatingEnv), {
      script: ROTATE_CLI,
      args: ['--batch-size', '50'],
    });
    expect(await resumed.exitWithin(300_000)).toBe(0);
    expect(resumed.output).toMatch(
      /Rotation done: \d+ data keys re-wrapped from master-key version 1 to 2/,
    );
    // Its output is a pipe here, not a terminal: plain text, no ANSI colour codes.
    expect(resumed.output).not.toMatch(ANSI_ESCAPE);
    stop = true;
    await traffic;

    expect(failures).toEqual([]);
    expect(round).toBeGreaterThan(1);
    const after = await versions(owner);
    expect(after).toEqual({ 2: expected.size });
  });

  it('leaves the old master key decrypting nothing, and the new one everything', async () => {
    expect(await openedWith(owner, oldKey())).toBe(0);
    expect(await openedWith(owner, newKey)).toBe(expected.size);
    const retired = await owner.query(
      'SELECT version, retired_at IS NOT NULL AS retired FROM smartretail.master_key_versions ORDER BY version',
    );
    expect(retired.rows).toEqual([
      { version: 1, retired: true },
      { version: 2, retired: false },
    ]);
  });

  it('serves every client, as imported during the rotation, once the new key is the only one', async () => {
    const finalEnv = db.environment({ ENCRYPTION_KEY: newKey, ENCRYPTION_KEY_VERSION: '2' });
    const config = loadConfig(finalEnv, { embedded: false });
    expect(await verifyDatabaseKeys(config)).toBe('verified');
    const after = await createHttpApplication(config);
    await after.listen(0, '127.0.0.1');
    try {
      const seen = new Map<number, string>();
      let cursor = '';
      do {
        const page = await request(after.getHttpServer())
          .get(`/datasets/clients/records?limit=1000${cursor ? `&cursor=${cursor}` : ''}`)
          .set(...bearer('admin'))
          .expect(200);
        for (const c of page.body.items as { client_id: number; ville: string }[])
          seen.set(c.client_id, c.ville);
        cursor = page.body.nextCursor ?? '';
      } while (cursor);
      expect(seen).toEqual(expected);
    } finally {
      await after.close();
    }
  });

  it('says so when run without NEW_ENCRYPTION_KEY, and changes nothing', async () => {
    const run = ServiceProcess.start(defined(db.environment()), { script: ROTATE_CLI });
    expect(await run.exitWithin()).toBe(2);
    expect(run.output).toMatch(/NEW_ENCRYPTION_KEY is not set/);
    expect(run.output).not.toContain(newKey);
    expect(run.output).not.toContain(oldKey());
  });
});
