import request from 'supertest';
import {
  RETENTION_LOCK_KEY,
  RetentionPurgeService,
} from '../../src/gdpr/retention/retention-purge.service';
import { HttpHarness, startHttpHarness } from '../support/http-app';
import { ServiceProcess } from '../support/service-process';
import { inTransaction, serviceEnvironment } from '../support/test-database';
import { DAY_MS, plantAuditEntries, plantRun, PlantedRun } from './retention-fixture';

const IMPORT_DAYS = 30;
const AUDIT_DAYS = 200;
const BATCH = 2;

/** The purged-rows counter of one target, from the real /metrics endpoint. */
async function purgedMetric(h: HttpHarness, target: string): Promise<number> {
  const text = (await request(h.app.getHttpServer()).get('/metrics').expect(200)).text;
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`smartretail_retention_purged_rows_total{target="${target}"}`));
  if (!line) throw new Error(`no purged-rows series for ${target}`);
  return Number(line.split(' ').pop());
}

describe('retention purge', () => {
  let h: HttpHarness;
  const now = new Date();
  const importCutoff = new Date(now.getTime() - IMPORT_DAYS * DAY_MS);
  const auditCutoff = new Date(now.getTime() - AUDIT_DAYS * DAY_MS);
  const at = (base: Date, deltaMs: number) => new Date(base.getTime() + deltaMs);
  let runs: Record<string, PlantedRun>;
  let auditIds: number[];

  const remaining = () =>
    h.db.asOwner(async (c) => ({
      runs: (
        await c.query<{ id: string }>('SELECT id FROM import_runs ORDER BY started_at')
      ).rows.map((r) => r.id),
      rejections: Number(
        (await c.query<{ n: string }>('SELECT count(*) AS n FROM import_rejections')).rows[0].n,
      ),
      audit: (
        await c.query<{ audit_id: string }>('SELECT audit_id FROM audit_log ORDER BY audit_id')
      ).rows.map((r) => Number(r.audit_id)),
    }));

  beforeAll(async () => {
    h = await startHttpHarness({
      RETENTION_DAYS_IMPORT_HISTORY: String(IMPORT_DAYS),
      RETENTION_DAYS_AUDIT: String(AUDIT_DAYS),
      RETENTION_BATCH_ROWS: String(BATCH),
    });
    await h.db.asOwner(async (c) => {
      runs = {
        long: await plantRun(c, at(importCutoff, -40 * DAY_MS), 5),
        justOlder: await plantRun(c, at(importCutoff, -1), 0),
        stillRunning: await plantRun(c, at(importCutoff, -10 * DAY_MS), 0, 'running'),
        atCutoff: await plantRun(c, importCutoff, 3),
        justYounger: await plantRun(c, at(importCutoff, 1), 1),
      };
      auditIds = await plantAuditEntries(c, [
        at(auditCutoff, -300 * DAY_MS),
        at(auditCutoff, -1),
        at(auditCutoff, -1),
        auditCutoff,
        at(auditCutoff, 1),
        now,
      ]);
    });
  });
  afterAll(() => h.close());

  it('does nothing while another instance holds the retention lock', async () => {
    const before = await remaining();
    const other = await h.db.connect('owner');
    try {
      await other.query('SELECT pg_advisory_lock($1)', [RETENTION_LOCK_KEY]);
      expect(await h.app.get(RetentionPurgeService).purge(now)).toBeUndefined();
    } finally {
      await other.end();
    }
    expect(await remaining()).toEqual(before);
  });

  it('deletes exactly what is older than each limit, in batches, and the metric moves', async () => {
    const metricBefore = {
      import_rejections: await purgedMetric(h, 'import_rejections'),
      import_runs: await purgedMetric(h, 'import_runs'),
      audit_log: await purgedMetric(h, 'audit_log'),
    };

    const report = await h.app.get(RetentionPurgeService).purge(now);

    expect(report).toEqual([
      // 5 rejected rows of the old run, 2 per batch: 2 + 2 + 1.
      { target: 'import_rejections', cutoff: importCutoff.toISOString(), rows: 5, batches: 3 },
      // The old run and the one a millisecond older than the cutoff (the running one stays): a
      // full batch, so one more finds nothing left.
      { target: 'import_runs', cutoff: importCutoff.toISOString(), rows: 2, batches: 2 },
      // Three entries older than the cutoff: a full batch of 2, then 1.
      { target: 'audit_log', cutoff: auditCutoff.toISOString(), rows: 3, batches: 2 },
    ]);
    const left = await remaining();
    expect(left.runs.sort()).toEqual(
      [runs.stillRunning.id, runs.atCutoff.id, runs.justYounger.id].sort(),
    );
    expect(left.rejections).toBe(runs.atCutoff.rejections + runs.justYounger.rejections);
    expect(left.audit).toEqual(auditIds.slice(3));

    expect(await purgedMetric(h, 'import_rejections')).toBe(metricBefore.import_rejections + 5);
    expect(await purgedMetric(h, 'import_runs')).toBe(metricBefore.import_runs + 2);
    expect(await purgedMetric(h, 'audit_log')).toBe(metricBefore.audit_log + 3);
    const metrics = (await request(h.app.getHttpServer()).get('/metrics').expect(200)).text;
    const lastRun = /^smartretail_retention_last_run_timestamp_seconds (\S+)$/m.exec(metrics);
    expect(Number(lastRun?.[1])).toBeGreaterThanOrEqual(Math.floor(now.getTime() / 1000));
  });

  it('finds nothing more to delete on the next run', async () => {
    const report = await h.app.get(RetentionPurgeService).purge(now);
    expect(report?.map((r) => r.rows)).toEqual([0, 0, 0]);
  });

  it('lets no one cut the audit trail shorter than 180 days, not even through the function', async () => {
    const app = await h.db.connect('app_user');
    try {
      await expect(
        inTransaction(app, { role: 'admin', keys: 'none' }, () =>
          app.query(`SELECT smartretail.purge_audit_log(now() - interval '179 days', 10)`),
        ),
      ).rejects.toThrow('audit entries younger than 180 days are kept (legal minimum)');
      for (const role of ['writer', 'analyst'] as const) {
        await expect(
          inTransaction(app, { role, keys: 'none' }, () =>
            app.query(`SELECT smartretail.purge_import_runs(now() - interval '400 days', 10)`),
          ),
        ).rejects.toThrow('permission denied for function purge_import_runs');
      }
    } finally {
      await app.end();
    }
    await expect(
      h.db.asOwner((c) => c.query('DELETE FROM audit_log WHERE audit_id = $1', [auditIds[5]])),
    ).rejects.toThrow('audit_log is append-only');
  });
});

describe('scheduled retention purge', () => {
  let h: HttpHarness;
  afterAll(() => h?.close());

  it('runs on RETENTION_CRON and purges without being called', async () => {
    h = await startHttpHarness({ RETENTION_CRON: '* * * * * *' });
    const [old] = await h.db.asOwner((c) =>
      plantAuditEntries(c, [new Date(Date.now() - 400 * DAY_MS)]),
    );
    const stillThere = () =>
      h.db.asOwner(
        async (c) =>
          (await c.query('SELECT 1 FROM audit_log WHERE audit_id = $1', [old])).rowCount === 1,
      );
    // Bounded by the test timeout; the tick comes every second.
    while (await stillThere()) await new Promise((r) => setTimeout(r, 200));
    expect(await stillThere()).toBe(false);
  });
});

describe('audit retention configuration', () => {
  it('refuses to start below the legal minimum, with a clear message', async () => {
    const service = ServiceProcess.start(
      serviceEnvironment('postgres://nobody:nothing@127.0.0.1:1/none', {
        RETENTION_DAYS_AUDIT: '90',
      }) as Record<string, string>,
    );
    expect(await service.wait()).toBe(1);
    expect(service.output).toContain('Invalid environment variables');
    expect(service.output).toContain(
      'RETENTION_DAYS_AUDIT must be at least 180 days (the legal minimum for the audit trail of personal data access',
    );
  });
});
