/**
 * Concurrent uploads against a small pool: every upload completes or is refused at once with a
 * 503 and Retry-After, and reads and readiness keep answering while imports run and queue.
 * (Before the import queue, uploads waiting for the import lock each held a pool connection
 * and the lock holder could never get one: the whole service froze.)
 */
import { DataSource, QueryRunner } from 'typeorm';
import request from 'supertest';
import type { DatasetName } from '../../src/catalog/dataset.types';
import {
  EXHAUSTION_MEMORY_MS,
  RoleScopedTransactions,
} from '../../src/database/role-scoped-transactions';
import { ImportQueue } from '../../src/imports/engine/import-queue';
import { ImportHarness } from '../support/import-harness';
import { bearer } from '../support/role-tokens';
import { sampleFile } from '../support/sample-files';

const POOL = 4;
const IMPORTS = 2;
/** A hang detector, not a performance bound: without the fix these calls never return. */
const NO_HANG_MS = 20_000;
const SIZES: Partial<Record<DatasetName, number>> = {
  clients: 6000,
  magasins: 10,
  produits: 50,
  cameras: 3000,
  capteurs_iot: 3000,
};

describe('concurrent uploads and a small pool', () => {
  let h: ImportHarness;
  let files: Record<DatasetName, string>;
  let importedDataset: DatasetName;
  const http = () => request(h.app.getHttpServer());
  const upload = (dataset: DatasetName) =>
    http()
      .post(`/datasets/${dataset}/imports`)
      .set(...bearer('writer'))
      .attach('file', files[dataset])
      .timeout(NO_HANG_MS * 3);

  beforeAll(async () => {
    h = await ImportHarness.start({
      DB_POOL_SIZE: String(POOL),
      IMPORT_CONCURRENCY: String(IMPORTS),
      IMPORT_QUEUE_MAX: '5',
      DB_ACQUIRE_TIMEOUT_MS: '3000',
      IMPORT_CRON: '0 0 3 1 1 *',
    });
    files = {} as Record<DatasetName, string>;
    for (const d of ['clients', 'magasins', 'produits', 'cameras', 'capteurs_iot'] as const)
      files[d] = await sampleFile(d, SIZES);
    // Parents first, so the children uploaded in any order find their stores and products.
    for (const parent of ['magasins', 'produits'] as const)
      await h.importFile(files[parent], parent);
  });
  afterAll(() => h.stop());

  it('completes or refuses with 503 + Retry-After each of 3 × DB_POOL_SIZE uploads, while reads and readiness answer', async () => {
    const datasets: DatasetName[] = ['clients', 'cameras', 'capteurs_iot', 'magasins', 'produits'];
    const uploads = Array.from({ length: 3 * POOL }, (_, i) =>
      upload(datasets[i % datasets.length]),
    );
    const queue = h.app.get(ImportQueue);
    const pending = Promise.all(uploads.map((u) => u.then((r) => r)));

    // While imports run and others wait their turn, the API keeps serving.
    const busyAnswers: number[] = [];
    for (let tries = 0; tries < 200 && busyAnswers.length < 3; tries++) {
      if (queue.running > 0) {
        const [ready, read] = await Promise.all([
          http().get('/health/ready').timeout(NO_HANG_MS),
          http()
            .get('/datasets/magasins/records?limit=5')
            .set(...bearer('analyst'))
            .timeout(NO_HANG_MS),
        ]);
        busyAnswers.push(ready.status, read.status);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const responses = await pending;

    expect(busyAnswers.length).toBeGreaterThanOrEqual(2);
    expect(new Set(busyAnswers)).toEqual(new Set([200]));
    const statuses = responses.map((r) => r.status);
    expect(statuses.every((s) => s === 201 || s === 503)).toBe(true);
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(2 + 5);
    for (const refused of responses.filter((r) => r.status === 503)) {
      expect(refused.headers['retry-after']).toMatch(/^\d+$/);
      expect(refused.body.message).toMatch(/import\(s\) are already waiting in this instance/);
    }
    // Nothing is left running or queued, and every accepted upload's rows are there.
    expect(queue.running + queue.waiting).toBe(0);
    const [{ running }] = await h.query<{ running: number }>(
      `SELECT count(*)::int AS running FROM import_runs WHERE status = 'running'`,
    );
    expect(running).toBe(0);
    const imported = new Set(
      responses.filter((r) => r.status === 201).map((r) => r.body.dataset as DatasetName),
    );
    for (const dataset of imported) expect(await h.rows(dataset)).toHaveLength(SIZES[dataset]!);
    importedDataset = [...imported][0];
  });

  it('answers 503 with Retry-After when no pool connection frees up in time, and recovers', async () => {
    const dataSource = h.app.get(DataSource);
    const held: QueryRunner[] = [];
    try {
      // Every connection of the pool: DB_POOL_SIZE for requests and two per import more.
      for (let i = 0; i < POOL + 2 * IMPORTS; i++) {
        const runner = dataSource.createQueryRunner();
        await runner.connect();
        held.push(runner);
      }
      const read = http()
        .get('/datasets/magasins/records?limit=5')
        .set(...bearer('analyst'))
        .timeout(NO_HANG_MS)
        .then((r) => r);
      const refused = await read;
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toMatch(/^\d+$/);
      expect(refused.body).toMatchObject({
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'every database connection is busy; retry shortly',
      });
      // Readiness reports the saturation but stays ready: its database checks have a
      // connection of their own, and a busy replica is not a broken one.
      const ready = await http().get('/health/ready').timeout(NO_HANG_MS);
      expect(ready.status).toBe(200);
      expect(ready.body.details.database).toEqual({ status: 'up' });
      expect(ready.body.details.pool).toMatchObject({
        status: 'up',
        max: POOL + 2 * IMPORTS,
        saturated: true,
      });
      expect(ready.body.details.pool.saturation).toMatch(
        /^every connection is busy: \d+ request\(s\) waiting, [1-9]\d* found none within DB_ACQUIRE_TIMEOUT_MS/,
      );
      // The same, as Prometheus sees it: the counter behind SmartRetailDbPoolSaturated.
      const metrics = await http().get('/metrics').timeout(NO_HANG_MS);
      expect(metrics.text).toMatch(/^smartretail_db_pool_acquire_timeouts_total [1-9]\d*$/m);
      expect(metrics.text).toMatch(/^smartretail_ready\{check="pool"\} 1$/m);
    } finally {
      for (const runner of held) await runner.release();
    }
    await http()
      .get('/datasets/magasins/records?limit=5')
      .set(...bearer('analyst'))
      .expect(200);
    // Readiness reports the saturation a while longer, then recovers too.
    expect(
      h.app.get(RoleScopedTransactions).recentPoolExhaustions(Date.now() + EXHAUSTION_MEMORY_MS),
    ).toBe(0);
  });

  it('exposes the queue and the wait for the lock as metrics', async () => {
    const res = await http().get('/metrics').expect(200);
    expect(res.text).toMatch(/^smartretail_import_queue_length 0$/m);
    expect(res.text).toMatch(/^smartretail_imports_running 0$/m);
    expect(res.text).toMatch(
      new RegExp(
        `^smartretail_import_wait_seconds_count\\{dataset="${importedDataset}"\\} [1-9]`,
        'm',
      ),
    );
  });
});

describe('an import that runs far longer than IMPORT_MAX_DURATION_MS', () => {
  let h: ImportHarness;
  beforeAll(async () => {
    h = await ImportHarness.start({ IMPORT_MAX_DURATION_MS: '1000', IMPORT_CRON: '0 0 3 1 1 *' });
  });
  afterAll(() => h.stop());

  it('is reported by readiness as stuck, with its age, and readiness recovers when it ends', async () => {
    // The queue's own bookkeeping of a running import, held as an import that never ends would.
    const turn = await h.app.get(ImportQueue).enter('clients');
    try {
      await request(h.app.getHttpServer()).get('/health/ready').expect(200);
      let res: request.Response;
      const deadline = Date.now() + NO_HANG_MS;
      do {
        await new Promise((r) => setTimeout(r, 200));
        res = await request(h.app.getHttpServer()).get('/health/ready');
      } while (res.status === 200 && Date.now() < deadline);
      expect(res.status).toBe(503);
      expect(res.body.details.failing).toEqual(['imports']);
      expect(res.body.details.checks.imports).toMatchObject({ status: 'down', running: 1 });
      expect(res.body.details.checks.imports.message).toMatch(
        /^an import has been running for \d+ s, longer than IMPORT_MAX_DURATION_MS \(1 s\): stuck\?$/,
      );
      const metrics = await request(h.app.getHttpServer()).get('/metrics').expect(200);
      expect(metrics.text).toMatch(/^smartretail_import_oldest_running_seconds [1-9]/m);
    } finally {
      turn.release();
    }
    await request(h.app.getHttpServer()).get('/health/ready').expect(200);
  });
});
