/**
 * A file the importer cannot read (a ZIP archive, as a workbook saved under a CSV name) in the
 * scanned directory: it is recorded as failed with its reason, every other file still loads,
 * nothing is left `running`, and the same bad content is not retried on every tick, only once it
 * changes. (UTF-16 with a byte order mark, the poison this spec used to carry, is now decoded.)
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { ImportDirectoryService } from '../../src/imports/schedule/import-directory.service';
import { fixture, ImportHarness } from '../support/import-harness';

const CLIENTS =
  'client_id,nom,prenom,email,date_naissance,sexe,ville\n1,Zorro,Diego,diego@example.com,1990-01-01,H,Lyon\n';
// A ZIP local file header with the CSV stored uncompressed: personal text inside binary content.
const ZIPPED_CLIENTS = Buffer.concat([
  Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x0a, 0, 0, 0, 0, 0]),
  Buffer.alloc(16),
  Buffer.from([11, 0, 0, 0]),
  Buffer.from('clients.csv'),
  Buffer.from(CLIENTS),
]);

describe('a poison file in the scanned directory', () => {
  let h: ImportHarness;
  let dir: string;
  const scan = async () => (await h.app.get(ImportDirectoryService).scan(dir))!;
  const runs = () =>
    h.query<{ dataset: string; status: string; failure_kind: string | null; error: string | null }>(
      `SELECT dataset, status, failure_kind, error FROM import_runs ORDER BY started_at`,
    );

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'poison-'));
    writeFileSync(join(dir, 'clients.csv'), ZIPPED_CLIENTS);
    copyFileSync(fixture('ok/magasins_quoted.csv'), join(dir, 'magasins.csv'));
    copyFileSync(fixture('ok/cameras_timestamps.csv'), join(dir, 'cameras.csv'));
    // Loyalty cards of clients that never loaded: rejected as orphans, counted, not lost, and
    // imported again once the clients have loaded.
    writeFileSync(
      join(dir, 'cartes_fidelite.csv'),
      'carte_id,client_id,points_fidelite,date_creation\n1,1,10,2024-01-01\n',
    );
    h = await ImportHarness.start({ IMPORT_DIR: dir, IMPORT_CRON: '0 0 3 1 1 *' });
  });
  afterAll(() => h.stop());

  it('records the poison file as failed and imports every other file', async () => {
    const reports = await scan();
    expect(reports.map((r) => [r.dataset, r.status])).toEqual([
      ['clients', 'failed'],
      ['magasins', 'succeeded'],
      ['cartes_fidelite', 'succeeded'],
      ['cameras', 'succeeded'],
    ]);
    const clients = reports[0];
    expect(clients.error).toMatch(/^not a CSV text file: a ZIP archive/);
    expect(clients.error).not.toMatch(/Zorro|Diego|diego@/);
    expect(reports[2].counts).toMatchObject({ rowsRead: 1, rejected: 1, inserted: 0 });
    expect(reports[2].warnings).toContain(
      '1 row(s) refused as orphans while the file of clients had not loaded: this content is imported again once it has',
    );
    expect((await runs()).filter((r) => r.status === 'running')).toEqual([]);
  });

  it('does not retry the same bad content on later ticks, and counts the skip on a metric', async () => {
    // The next scan records the skip of each file imported before (once), none for the poison,
    // and none for the loyalty cards, which wait for their clients.
    const second = await scan();
    expect(second.map((r) => [r.dataset, r.status])).toEqual([
      ['magasins', 'skipped'],
      ['cameras', 'skipped'],
    ]);
    const before = await runs();
    expect(await scan()).toEqual([]);
    expect(await runs()).toEqual(before);
    const metrics = await request(h.app.getHttpServer()).get('/metrics').expect(200);
    expect(metrics.text).toMatch(
      /^smartretail_import_unchanged_files_total\{dataset="clients"\} 2$/m,
    );
  });

  it('retries the file once its content changes, then the loyalty cards that waited for it', async () => {
    writeFileSync(join(dir, 'clients.csv'), CLIENTS);
    const reports = await scan();
    expect(reports.map((r) => [r.dataset, r.status])).toEqual([
      ['clients', 'succeeded'],
      ['cartes_fidelite', 'succeeded'],
    ]);
    expect(reports[1].counts).toMatchObject({ rowsRead: 1, rejected: 0, inserted: 1 });
    expect(reports[1].warnings).not.toContainEqual(expect.stringMatching(/orphans/));
    // Now done: the next scan records the loyalty cards' skip once, like any imported content.
    expect((await scan()).map((r) => [r.dataset, r.status])).toEqual([
      ['clients', 'skipped'],
      ['cartes_fidelite', 'skipped'],
    ]);
  });
});
