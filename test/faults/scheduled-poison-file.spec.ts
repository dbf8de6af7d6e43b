/**
 * A file the importer cannot read (UTF-16 content under a CSV name) in the scanned directory:
 * it is recorded as failed with its reason, every other file still loads, nothing is left
 * `running`, and the same bad content is not retried on every tick, only once it changes.
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { ImportDirectoryService } from '../../src/imports/import-directory.service';
import { fixture, ImportHarness } from '../support/import-harness';

const UTF16_CLIENTS =
  '\ufeffclient_id,nom,prenom,email,date_naissance,sexe,ville\n1,Zorro,Diego,diego@example.com,1990-01-01,H,Lyon\n';

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
    writeFileSync(join(dir, 'clients.csv'), Buffer.from(UTF16_CLIENTS, 'utf16le'));
    copyFileSync(fixture('ok/magasins_quoted.csv'), join(dir, 'magasins.csv'));
    copyFileSync(fixture('ok/cameras_timestamps.csv'), join(dir, 'cameras.csv'));
    // Loyalty cards of clients that never loaded: rejected as orphans, counted, not lost.
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
    expect(clients.error).toBeTruthy();
    expect(clients.error).not.toMatch(/Zorro|Diego|diego@/);
    expect(reports[2].counts).toMatchObject({ rowsRead: 1, rejected: 1, inserted: 0 });
    expect((await runs()).filter((r) => r.status === 'running')).toEqual([]);
  });

  it('does not retry the same bad content on later ticks, and counts the skip on a metric', async () => {
    // The next scan records the skip of each file imported before (once), none for the poison.
    const second = await scan();
    expect(second.map((r) => [r.dataset, r.status])).toEqual([
      ['magasins', 'skipped'],
      ['cartes_fidelite', 'skipped'],
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

  it('retries the file once its content changes', async () => {
    writeFileSync(
      join(dir, 'clients.csv'),
      'client_id,nom,prenom,email,date_naissance,sexe,ville\n1,Zorro,Diego,diego@example.com,1990-01-01,H,Lyon\n',
    );
    const reports = await scan();
    expect(reports.map((r) => [r.dataset, r.status])).toEqual([['clients', 'succeeded']]);
  });
});
