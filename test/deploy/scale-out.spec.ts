/**
 * Two replicas of the service against one PostgreSQL, both importing the same directory at
 * start-up and on their schedule: each file is imported exactly once (the import advisory lock
 * plus the checksum skip), and both replicas serve reads of the same data.
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import request from 'supertest';
import { bearer } from '../support/role-tokens';
import { IMPORT_LOCK_KEY } from '../../src/imports/engine/import-lock';
import { TestDatabase } from '../support/test-database';
import { REPO_ROOT } from './compose-stack';
import { eventually, readiness, Replica, ReplicaSet } from './replica-set';

interface RunsByFile {
  dataset: string;
  checksum: string;
  succeeded: number;
  failed: number;
  running: number;
  skipped: number;
}

const SAMPLE_DIR = join(REPO_ROOT, 'data');

/** Files a replica's scans found unchanged, from its own /metrics (all datasets summed). */
async function unchangedFilesCounted(replica: Replica): Promise<number> {
  const { text } = await request(replica.url).get('/metrics').expect(200);
  return [...text.matchAll(/^smartretail_import_unchanged_files_total\{[^}]*\} (\d+)$/gm)]
    .map((m) => Number(m[1]))
    .reduce((a, b) => a + b, 0);
}
const sampleFiles = readdirSync(SAMPLE_DIR).filter((f) => f.endsWith('.csv'));

describe('two replicas sharing one database', () => {
  let db: TestDatabase;
  let importDir: string;
  const replicas = new ReplicaSet();
  let started: Replica[];
  const outputs = () => started.map((r) => r.process.output).join('\n');

  const runsByFile = () =>
    db.asOwner(async (c) => {
      const { rows } = await c.query<RunsByFile>(`
        SELECT dataset, checksum,
               count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded,
               count(*) FILTER (WHERE status = 'failed')::int    AS failed,
               count(*) FILTER (WHERE status = 'running')::int   AS running,
               count(*) FILTER (WHERE status = 'skipped')::int   AS skipped
          FROM import_runs
         GROUP BY dataset, checksum
         ORDER BY dataset`);
      return rows;
    });

  let lockHolder: Client;

  beforeAll(async () => {
    db = await TestDatabase.create();
    importDir = mkdtempSync(join(tmpdir(), 'smartretail-import-'));
    for (const file of sampleFiles) copyFileSync(join(SAMPLE_DIR, file), join(importDir, file));
    // A third party (a third replica's scan, say) holds the scan lock while both replicas
    // start, so both start-up scans meet a taken lock, deterministically.
    lockHolder = await db.connect('owner');
    await lockHolder.query('SELECT pg_advisory_lock($1)', [IMPORT_LOCK_KEY]);
    started = await replicas.start(
      2,
      // debug: a tick that does nothing (the lock is taken) says so only at debug level.
      db.environment({ LOG_LEVEL: 'debug', IMPORT_DIR: importDir, IMPORT_ON_START: 'true' }),
      // Scheduled scans every 4 s, two seconds apart, so each replica also takes the lock for
      // scans of its own once the directory has been imported.
      (i) => ({ IMPORT_CRON: `${i * 2}-59/4 * * * * *` }),
    );
  });

  afterAll(async () => {
    await lockHolder.end();
    await replicas.stop();
    rmSync(importDir, { recursive: true, force: true });
    await db.drop();
  });

  it('does nothing while another holder has the scan lock, on either replica', async () => {
    const lockTaken = /Another scan holds the scan lock; this tick does nothing/;
    await eventually(
      () => started.every((r) => lockTaken.test(r.process.output)) || undefined,
      () => `a replica ignored the lock:\n${outputs()}`,
    );
    expect(await runsByFile()).toEqual([]);
    await lockHolder.query('SELECT pg_advisory_unlock($1)', [IMPORT_LOCK_KEY]);
  });

  it('then imports each sample file exactly once, although both replicas scan the directory', async () => {
    expect(sampleFiles).toHaveLength(8);
    await eventually(
      async () => {
        const runs = await runsByFile();
        const done = runs.filter((r) => r.succeeded > 0 && r.running === 0);
        return done.length === sampleFiles.length || undefined;
      },
      () => `import_runs never settled:\n${outputs()}`,
    );
    // Both replicas have since completed a scheduled scan under the lock (all files skipped):
    // each counted every sample file as unchanged. (Only the first such scan records the skips
    // and logs "Directory import (tick) done"; later ticks that find nothing new stay quiet.)
    await eventually(
      async () => {
        const counted = await Promise.all(started.map(unchangedFilesCounted));
        return counted.every((n) => n >= sampleFiles.length) || undefined;
      },
      () => `a replica never scanned:\n${outputs()}`,
    );
    expect(outputs()).toMatch(/Directory import \(tick\) done: 8 file\(s\)/);
    // One replica's scan found only skips already recorded: it did nothing, and said so only at
    // debug level.
    expect(outputs()).not.toMatch(/done: 0 file\(s\)/);
    expect(outputs()).toMatch(/Directory import \(tick\): nothing new/);

    const runs = await runsByFile();
    expect(runs).toHaveLength(sampleFiles.length);
    for (const run of runs) {
      expect({ dataset: run.dataset, succeeded: run.succeeded, failed: run.failed }).toEqual({
        dataset: run.dataset,
        succeeded: 1,
        failed: 0,
      });
      expect(run.skipped).toBeGreaterThan(0);
    }
  });

  it('serves readiness, the import history and KPIs of the shared data from both replicas', async () => {
    expect(await Promise.all(started.map(readiness))).toEqual([200, 200]);

    const histories = await Promise.all(
      started.map((r) =>
        request(r.url)
          .get('/imports?limit=100')
          .set(...bearer('admin'))
          .expect(200),
      ),
    );
    const succeeded = histories.map(
      (h) =>
        (h.body as { items: { status: string }[] }).items.filter((i) => i.status === 'succeeded')
          .length,
    );
    expect(succeeded).toEqual([sampleFiles.length, sampleFiles.length]);

    const revenue = await Promise.all(
      started.map((r) =>
        request(r.url)
          .get('/kpis/revenue')
          .set(...bearer('analyst'))
          .expect(200),
      ),
    );
    const rows = revenue.map((r) => (r.body as { rows: unknown[] }).rows);
    expect(rows[0].length).toBeGreaterThan(0);
    expect(rows[1]).toEqual(rows[0]);
  });
});
