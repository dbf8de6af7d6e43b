import { INestApplication } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { createWriteStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatasetName } from '../../src/catalog/dataset.types';
import { createHttpApplication } from '../../src/http-application';
import { ImportDirectoryService } from '../../src/imports/schedule/import-directory.service';
import { IMPORT_LOCK_KEY } from '../../src/imports/engine/import-lock';
import { IMPORT_CRON_JOB } from '../../src/imports/schedule/import.scheduler';
import { DEFAULT_SAMPLE_SIZES } from '../../src/sample-data/sample-data-generator';
import { writeSampleFile } from '../../src/sample-data/sample-file-writer';
import { ImportHarness } from '../support/import-harness';

/** The seed system's export names, deliberately not in foreign-key order alphabetically. */
const SEED_NAMES: Record<DatasetName, string> = {
  clients: 'Clients.csv',
  cartes_fidelite: 'Cartes_de_Fid_lit_.csv',
  magasins: 'Magasins.csv',
  produits: 'Produits.csv',
  transactions: 'Transactions.csv',
  details_transactions: 'D_tails_des_Transactions.csv',
  cameras: 'Cam_ras_Intelligentes.csv',
  capteurs_iot: 'Capteurs_IoT.csv',
};

async function seedExport(sizes = DEFAULT_SAMPLE_SIZES): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'seed-export-'));
  for (const [dataset, name] of Object.entries(SEED_NAMES)) {
    await writeSampleFile(createWriteStream(join(dir, name)), dataset as DatasetName, sizes, 7);
  }
  writeFileSync(join(dir, 'README.txt'), 'not a CSV');
  return dir;
}

describe('scheduled directory import', () => {
  let h: ImportHarness;
  let dir: string;
  const scanner = () => h.app.get(ImportDirectoryService);

  beforeAll(async () => {
    dir = await seedExport();
    h = await ImportHarness.start({ IMPORT_DIR: dir, IMPORT_CRON: '0 0 3 * * *' });
  });
  afterAll(() => h.stop());

  it('registers the scan on IMPORT_CRON', () => {
    const job = h.app.get(SchedulerRegistry).getCronJob(IMPORT_CRON_JOB);
    expect(String(job.cronTime.source)).toBe('0 0 3 * * *');
  });

  it('imports the seed system files by name, parents before children, every row landing', async () => {
    const reports = (await scanner().scan(dir))!;
    expect(reports.map((r) => r.dataset)).toEqual([
      'clients',
      'magasins',
      'produits',
      'cartes_fidelite',
      'transactions',
      'details_transactions',
      'cameras',
      'capteurs_iot',
    ]);
    for (const r of reports) {
      expect(r).toMatchObject({ status: 'succeeded', source: 'schedule' });
      expect(r.counts.inserted).toBe(DEFAULT_SAMPLE_SIZES[r.dataset]);
    }
  });

  it('skips files whose content was already imported, recording them as skipped', async () => {
    const reports = (await scanner().scan(dir))!;
    expect(reports.map((r) => r.status)).toEqual(Array(8).fill('skipped'));
    const [{ n }] = await h.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM import_runs WHERE status = 'skipped'`,
    );
    expect(n).toBe(8);
  });

  it('records a skip once per content: later scans of unchanged files record nothing', async () => {
    const before = await h.query<{ n: number }>(`SELECT count(*)::int AS n FROM import_runs`);
    expect(await scanner().scan(dir)).toEqual([]);
    const after = await h.query<{ n: number }>(`SELECT count(*)::int AS n FROM import_runs`);
    expect(after[0].n).toBe(before[0].n);
  });

  it('does nothing while another instance holds the import lock', async () => {
    const holder = await h.db.connect('owner');
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [IMPORT_LOCK_KEY]);
      expect(await scanner().scan(dir)).toBeUndefined();
    } finally {
      await holder.end();
    }
  });

  it('lets only one of two instances racing for the lock run the scan', async () => {
    const bigger = await seedExport({ ...DEFAULT_SAMPLE_SIZES, clients: 3000, transactions: 3000 });
    let other: INestApplication | undefined;
    try {
      other = await createHttpApplication(h.db.config({ IMPORT_DIR: bigger }));
      await other.init();
      const results = await Promise.all([
        scanner().scan(bigger),
        other.get(ImportDirectoryService).scan(bigger),
      ]);
      expect(results.filter((r) => r === undefined)).toHaveLength(1);
      // The bigger export changes clients and transactions (and so their lines); the scan that
      // ran imported those and recorded nothing for the five files whose skip is on record.
      const ran = results.find((r) => r !== undefined)!;
      expect(ran.map((r) => [r.dataset, r.status])).toEqual([
        ['clients', 'succeeded'],
        ['transactions', 'succeeded'],
        ['details_transactions', 'succeeded'],
      ]);
    } finally {
      await other?.close();
    }
  });
});
