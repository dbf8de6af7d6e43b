/**
 * Two instances of the service behind a real PgBouncer in `pool_mode = transaction` (issue 23:
 * there the session-level import locks stayed on pooled backends, uploads waited for a lock
 * nobody used, two scans ran at once). Their DATABASE_URL is PgBouncer; migrations go through
 * DATABASE_MIGRATION_URL, straight to PostgreSQL. Imports, concurrent uploads of one dataset,
 * reads with role tokens, erasure and the scheduled scan all run through PgBouncer, and no
 * advisory lock is left on an idle backend afterwards.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { datasetLockKey } from '../../src/imports/engine/import-lock';
import { REPO_ROOT } from '../deploy/compose-stack';
import { eventually, readiness, Replica, ReplicaSet } from '../deploy/replica-set';
import { PgBouncer, pgbouncerMissing } from '../support/pgbouncer';
import { bearer } from '../support/role-tokens';
import { sampleFile } from '../support/sample-files';
import { TestDatabase } from '../support/test-database';

const missing = pgbouncerMissing();
const describeWithPgBouncer = missing ? describe.skip : describe;
const SAMPLE_DIR = join(REPO_ROOT, 'data');
const sampleFiles = readdirSync(SAMPLE_DIR).filter((f) => f.endsWith('.csv'));
/** Fewer server connections than the instances' pools hold: PgBouncer really multiplexes. */
const SERVER_CONNECTIONS = 8;

interface RunsByFile {
  dataset: string;
  checksum: string;
  succeeded: number;
  running: number;
}

describeWithPgBouncer(
  `the service behind PgBouncer in transaction mode${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    let db: TestDatabase;
    let bouncer: PgBouncer;
    let importDir: string;
    let started: Replica[];
    let pgLogStart = 0;
    const replicas = new ReplicaSet();
    const outputs = () =>
      `${started.map((r) => r.process.output).join('\n')}\nPgBouncer:\n${bouncer.output}`;

    const upload = (replica: Replica, dataset: string, file: string) =>
      request(replica.url)
        .post(`/datasets/${dataset}/imports`)
        .set(...bearer('writer'))
        .attach('file', file)
        .then((r) => r);

    beforeAll(async () => {
      if (process.env.TEST_PG_LOG) pgLogStart = statSync(process.env.TEST_PG_LOG).size;
      db = await TestDatabase.create();
      const owner = new URL(db.ownerUrl).username;
      bouncer = await PgBouncer.start({
        serverUrl: db.ownerUrl,
        roles: [owner, 'app_user'],
        poolSize: SERVER_CONNECTIONS,
        statsUser: owner,
      });
      importDir = mkdtempSync(join(tmpdir(), 'smartretail-import-'));
      for (const file of sampleFiles) copyFileSync(join(SAMPLE_DIR, file), join(importDir, file));
      started = await replicas.start(
        2,
        db.environment({
          DATABASE_URL: bouncer.url(db.ownerUrl),
          DATABASE_MIGRATION_URL: db.ownerUrl,
          IMPORT_DIR: importDir,
          DB_POOL_SIZE: '4',
          IMPORT_CONCURRENCY: '1',
          // An upload that finds its dataset locked elsewhere is refused after 5 s, not 2 min.
          IMPORT_WAIT_TIMEOUT_MS: '5000',
          LOG_LEVEL: 'log',
        }),
        // Both scan every 2 s, a second apart: scans of the two meet the scan lock.
        (i) => ({ IMPORT_CRON: `${i}-59/2 * * * * *` }),
      );
    });

    afterAll(async () => {
      await replicas.stop();
      await bouncer?.stop();
      if (importDir) rmSync(importDir, { recursive: true, force: true });
      await db?.drop();
    });

    const runsByFile = () =>
      db.asOwner(async (c) => {
        const { rows } = await c.query<RunsByFile>(`
          SELECT dataset, checksum,
                 count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded,
                 count(*) FILTER (WHERE status = 'running')::int   AS running
            FROM import_runs WHERE source = 'schedule' AND status <> 'skipped'
           GROUP BY dataset, checksum ORDER BY dataset`);
        return rows;
      });

    /** Advisory locks held by backends with no transaction open: locks nobody will release. */
    const locksOnIdleBackends = () =>
      db.asOwner(async (c) => {
        // classid/objid are the key's two halves (oids); objsubid 1 is a bigint key, 2 two ints.
        const { rows } = await c.query<{ key: string; pid: number }>(
          `SELECT concat_ws('/', l.classid, l.objid, l.objsubid) AS key, l.pid
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND a.state = 'idle'
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        );
        return rows;
      });

    it('migrates through DATABASE_MIGRATION_URL and is ready through PgBouncer', async () => {
      for (const replica of started) expect(await readiness(replica)).toBe(200);
      // The instances' pools (4 + 2 × 1 connections each) are PgBouncer's clients.
      const { text } = await request(started[0].url).get('/metrics').expect(200);
      expect(text).toMatch(/^smartretail_db_pool_max_connections 6$/m);
      const clients = await bouncer.clientsByRole(db.ownerUrl);
      expect(clients.app_user).toBeGreaterThanOrEqual(2);
    });

    it('imports each file of the directory once, although both instances scan it every 2 s', async () => {
      expect(sampleFiles).toHaveLength(8);
      const runs = await eventually(
        async () => {
          const found = await runsByFile();
          const done = found.filter((r) => r.succeeded > 0 && r.running === 0);
          return done.length === sampleFiles.length ? found : undefined;
        },
        () => `the scans never imported every file:\n${outputs()}`,
      );
      // Two scans at once would both have found a file new and imported it twice.
      expect(runs.filter((r) => r.succeeded !== 1)).toEqual([]);
      // Both have scanned since, under the lock, and found the files unchanged.
      await eventually(
        async () => {
          const counts = await Promise.all(
            started.map(async (r) => {
              const { text } = await request(r.url).get('/metrics').expect(200);
              return [
                ...text.matchAll(/^smartretail_import_unchanged_files_total\{[^}]*\} (\d+)$/gm),
              ]
                .map((m) => Number(m[1]))
                .reduce((a, b) => a + b, 0);
            }),
          );
          return counts.every((n) => n >= sampleFiles.length) || undefined;
        },
        () => `an instance never scanned again:\n${outputs()}`,
      );
      expect((await runsByFile()).filter((r) => r.succeeded !== 1)).toEqual([]);
    });

    it('imports an upload and then one that depends on it', async () => {
      const sizes = { magasins: 30, cameras: 300 };
      const stores = await upload(started[0], 'magasins', await sampleFile('magasins', sizes));
      expect(stores.status).toBe(201);
      expect(stores.body).toMatchObject({ status: 'succeeded', counts: { rowsRead: 30 } });
      const cameras = await upload(started[1], 'cameras', await sampleFile('cameras', sizes));
      expect(cameras.status).toBe(201);
      expect(cameras.body).toMatchObject({
        status: 'succeeded',
        counts: { rowsRead: 300, rejected: 0 },
      });
    });

    it('imports concurrent uploads of one dataset to two instances one at a time', async () => {
      const file = await sampleFile('clients', { clients: 3000 }, 11);
      const responses = await Promise.all(started.map((r) => upload(r, 'clients', file)));
      for (const r of responses) {
        // The one that waited either had its turn or was refused as documented (README).
        if (r.status === 503)
          expect(r.body.message).toMatch(/^another instance kept importing clients for \d+ s/);
        else expect(r.status).toBe(201);
      }
      const ids = responses.filter((r) => r.status === 201).map((r) => r.body.id as string);
      expect(ids.length).toBeGreaterThanOrEqual(1);
      const runs = await db.asOwner(async (c) => {
        const { rows } = await c.query<{ started: Date; finished: Date }>(
          `SELECT started_at AS started, finished_at AS finished FROM import_runs
            WHERE id = ANY($1::uuid[]) ORDER BY started_at`,
          [ids],
        );
        return rows;
      });
      // Each run starts once its dataset's lock is held: the second began after the first ended.
      for (let i = 1; i < runs.length; i++)
        expect(runs[i].started.getTime()).toBeGreaterThanOrEqual(runs[i - 1].finished.getTime());
      expect(await locksOnIdleBackends()).toEqual([]);
    });

    it('refuses with the documented 503 an upload whose dataset stays locked elsewhere, then imports it', async () => {
      const other = await db.connect('owner');
      try {
        await other.query('SELECT pg_advisory_lock($1, $2)', datasetLockKey('produits'));
        const file = await sampleFile('produits', { produits: 40 });
        const refused = await upload(started[0], 'produits', file);
        expect(refused.status).toBe(503);
        expect(refused.headers['retry-after']).toMatch(/^\d+$/);
        expect(refused.body.message).toMatch(
          /^another instance kept importing produits for 5 s; nothing was imported, retry later$/,
        );
        await other.query('SELECT pg_advisory_unlock($1, $2)', datasetLockKey('produits'));
        const imported = await upload(started[0], 'produits', file);
        expect(imported.status).toBe(201);
      } finally {
        await other.end();
      }
    });

    it('serves reads by role token: admin in clear, analyst pseudonymised', async () => {
      const admin = await request(started[0].url)
        .get('/datasets/clients/records?limit=5&order=client_id.asc')
        .set(...bearer('admin'))
        .expect(200);
      const items = (admin.body as { items: { client_id: number; email: string }[] }).items;
      expect(items).toHaveLength(5);
      for (const item of items) expect(item.email).toMatch(/@/);
      const analyst = await request(started[1].url)
        .get('/datasets/clients/records?limit=5&order=client_id.asc')
        .set(...bearer('analyst'))
        .expect(200);
      const seen = JSON.stringify(analyst.body);
      for (const item of items) expect(seen).not.toContain(item.email);
    });

    it('erases a client', async () => {
      const id = 7;
      await request(started[1].url)
        .delete(`/clients/${id}`)
        .set(...bearer('admin', 'dpo@example'))
        .expect(204);
      await request(started[0].url)
        .get(`/datasets/clients/records/${id}`)
        .set(...bearer('admin'))
        .expect(404);
    });

    it('leaves no advisory lock on an idle backend, and PostgreSQL saw no unlock of a lock not held', async () => {
      expect(await locksOnIdleBackends()).toEqual([]);
      if (process.env.TEST_PG_LOG) {
        const log = readFileSync(process.env.TEST_PG_LOG).subarray(pgLogStart).toString();
        expect(log).not.toMatch(/you don't own a lock/);
      }
      expect(outputs()).not.toMatch(/The connection holding advisory lock/);
    });
  },
);
