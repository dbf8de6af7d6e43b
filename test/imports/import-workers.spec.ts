/**
 * The import's CPU work (decode, parse, validate, encode) runs in a worker thread by default
 * (src/imports/engine/csv/csv-staging-thread.ts). These specs prove that moving it there changed
 * nothing an operator can see: the whole hostile corpus gives the same answers, rejections and
 * stored rows as on the event loop (IMPORT_WORKERS=false); and that a worker dying mid-file
 * fails that file cleanly while the service keeps serving.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import request from 'supertest';
import { datasetCatalog } from '../../src/catalog/dataset-catalog';
import { DATASET_NAMES } from '../../src/catalog/dataset.types';
import { writeLargeClientsFile } from '../support/copy-progress';
import { fixture, FIXTURES, ImportHarness } from '../support/import-harness';
import { bearer } from '../support/role-tokens';
import { CORPUS, CORPUS_PARENTS } from './hostile-corpus.cases';

const large = mkdtempSync(join(tmpdir(), 'import-workers-'));
const EXIT_HOOK = 'SMARTRETAIL_TEST_STAGING_WORKER_EXIT_AFTER_ROWS';

afterAll(() => rmSync(large, { recursive: true, force: true }));

/** Everything an import leaves behind that an operator can see, for each file of the corpus. */
async function importCorpus(workers: 'true' | 'false'): Promise<unknown> {
  const h = await ImportHarness.start({ IMPORT_WORKERS: workers, IMPORT_ON_START: 'false' });
  try {
    const outcomes: unknown[] = [];
    const run = async (path: string, dataset: (typeof CORPUS)[number]['dataset'], query = '') => {
      const encoding = /encoding=([\w-]+)/.exec(query)?.[1] as 'utf-16le' | undefined;
      const result = await h.imports
        .importContent({
          dataset: datasetCatalog.get(dataset),
          source: 'cli',
          mode: 'default',
          fileName: basename(path),
          content: createReadStream(path),
          encoding,
        })
        .catch((error: Error) => ({ thrown: error.message }));
      if ('thrown' in result) return outcomes.push(result);
      const { id, status, counts, warnings, error } = result.report;
      const rejections = await h.query(
        `SELECT line, column_name, reason, value FROM import_rejections WHERE run_id = $1
          ORDER BY line, reason`,
        [id],
      );
      outcomes.push({ file: basename(path), status, counts, warnings, error, rejections });
    };
    for (const [file, dataset] of CORPUS_PARENTS) {
      await run(fixture(file), dataset);
    }
    // The upload limit (413) is the HTTP layer's, not the engine's: not a file for this comparison.
    for (const c of CORPUS.filter((c) => c.status !== 413)) {
      const path = c.file.startsWith('large:')
        ? join(large, c.file.slice(6))
        : fixture(`not-ok/${c.file}`);
      await run(path, c.dataset, c.query);
    }
    const stored: Record<string, unknown> = {};
    for (const name of DATASET_NAMES) stored[name] = await h.rows(name);
    return { outcomes, stored };
  } finally {
    await h.stop();
  }
}

describe('imports in worker threads', () => {
  it('give the whole hostile corpus the same outcomes, rejections and stored rows as the event loop', async () => {
    execFileSync(process.execPath, [join(FIXTURES, 'generate-corpus.mjs'), '--large', large]);
    const inWorkers = await importCorpus('true');
    const onEventLoop = await importCorpus('false');
    // The comparison proves something: rows were stored and rejections recorded.
    expect(JSON.stringify(inWorkers)).toContain('"rejections":[{');
    expect((inWorkers as { stored: { clients: unknown[] } }).stored.clients.length).toBeGreaterThan(
      10,
    );
    expect(inWorkers).toEqual(onEventLoop);
  });

  describe('when the worker dies mid-file', () => {
    let h: ImportHarness;
    let file: string;
    beforeAll(async () => {
      file = await writeLargeClientsFile(large, 20_000);
      h = await ImportHarness.start({ IMPORT_ON_START: 'false' });
    });
    afterAll(async () => {
      delete process.env[EXIT_HOOK];
      await h.stop();
    });

    it('records the run failed with the reason, keeps none of the file, and keeps serving', async () => {
      const http = () => request(h.app.getHttpServer());
      // The worker exits abruptly once its first COPY chunk (a few thousand rows) is sent.
      process.env[EXIT_HOOK] = '1';
      const crashed = await http()
        .post('/datasets/clients/imports')
        .set(...bearer('writer'))
        .attach('file', file);
      delete process.env[EXIT_HOOK];
      expect(crashed.status).toBe(500);
      const [run] = await h.query<{ status: string; failure_kind: string; error: string }>(
        `SELECT status, failure_kind, error FROM import_runs WHERE dataset = 'clients'`,
      );
      expect(run).toMatchObject({ status: 'failed', failure_kind: 'internal' });
      const stoppedAfter = Number(
        /^the CSV worker thread stopped \(exit code 70\) after (\d+) row\(s\); nothing from this file was kept$/.exec(
          run.error,
        )?.[1],
      );
      // Mid-file: some rows were staged (and sent to COPY), not all of them.
      expect(stoppedAfter).toBeGreaterThan(0);
      expect(stoppedAfter).toBeLessThan(20_000);
      expect(await h.query(`SELECT client_id FROM clients`)).toEqual([]);

      await http().get('/health/live').expect(200);
      const again = await http()
        .post('/datasets/clients/imports')
        .set(...bearer('writer'))
        .attach('file', file)
        .expect(201);
      expect(again.body.counts).toMatchObject({ rowsRead: 20_000, inserted: 20_000, rejected: 0 });
    });
  });
});
