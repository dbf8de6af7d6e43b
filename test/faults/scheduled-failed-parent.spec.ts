/**
 * A child file in the scanned directory whose parent's file fails: the child's rows that name
 * the missing parents are refused as orphans (counted, not lost), but that refusal is not
 * final. The child's content is not skipped as "imported" while the parent has not loaded, even
 * by another instance (the wait is recorded with the run), and it is imported again, completely,
 * in the scan where the parent finally loads.
 */
import { INestApplication } from '@nestjs/common';
import { createWriteStream, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatasetName } from '../../src/catalog/dataset.types';
import { createHttpApplication } from '../../src/http-application';
import { ImportDirectoryService } from '../../src/imports/schedule/import-directory.service';
import { DEFAULT_SAMPLE_SIZES } from '../../src/sample-data/sample-data-generator';
import { writeSampleFile } from '../../src/sample-data/sample-file-writer';
import { ImportHarness } from '../support/import-harness';

const SIZES = {
  ...DEFAULT_SAMPLE_SIZES,
  clients: 40,
  magasins: 4,
  produits: 10,
  transactions: 60,
  details_transactions: 150,
};
const DATASETS: DatasetName[] = [
  'clients',
  'magasins',
  'produits',
  'transactions',
  'details_transactions',
];
// A transactions file the importer refuses whole: its header lacks required columns.
const BROKEN_TRANSACTIONS = 'transaction_id,client_id\n1,1\n';

describe('a child file whose parent file failed in the scan', () => {
  let h: ImportHarness;
  let dir: string;
  let goodTransactions: string;
  const scan = async (app: INestApplication = h.app) =>
    (await app.get(ImportDirectoryService).scan(dir))!;
  const statuses = (reports: { dataset: string; status: string }[]) =>
    reports.map((r) => [r.dataset, r.status]);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'failed-parent-'));
    for (const dataset of DATASETS)
      await writeSampleFile(createWriteStream(join(dir, `${dataset}.csv`)), dataset, SIZES, 3);
    goodTransactions = join(mkdtempSync(join(tmpdir(), 'good-transactions-')), 'transactions.csv');
    renameSync(join(dir, 'transactions.csv'), goodTransactions);
    writeFileSync(join(dir, 'transactions.csv'), BROKEN_TRANSACTIONS);
    h = await ImportHarness.start({ IMPORT_DIR: dir });
  });
  afterAll(() => h.stop());

  it('refuses the children of the failed parent as orphans, counted, and says they will be retried', async () => {
    const reports = await scan();
    expect(statuses(reports)).toEqual([
      ['clients', 'succeeded'],
      ['magasins', 'succeeded'],
      ['produits', 'succeeded'],
      ['transactions', 'failed'],
      ['details_transactions', 'succeeded'],
    ]);
    const details = reports[4];
    expect(details.counts).toMatchObject({ rowsRead: 150, rejected: 150, inserted: 0 });
    expect(details.warnings).toContain(
      '150 row(s) refused as orphans while the file of transactions had not loaded: this content is imported again once it has',
    );
  });

  it('does not skip the child as imported while its parent has not loaded, in any instance', async () => {
    // Another instance (no memory shared with the first) reads the wait from the run history.
    let other: INestApplication | undefined;
    try {
      other = await createHttpApplication(h.db.config({ IMPORT_DIR: dir }));
      await other.init();
      expect(statuses(await scan(other))).toEqual([
        ['clients', 'skipped'],
        ['magasins', 'skipped'],
        ['produits', 'skipped'],
      ]);
    } finally {
      await other?.close();
    }
    expect(await scan()).toEqual([]);
  });

  it('imports the child again, every row landing, in the scan where the parent loads', async () => {
    renameSync(goodTransactions, join(dir, 'transactions.csv'));
    const reports = await scan();
    expect(statuses(reports)).toEqual([
      ['transactions', 'succeeded'],
      ['details_transactions', 'succeeded'],
    ]);
    expect(reports[1].counts).toMatchObject({ rowsRead: 150, rejected: 0, inserted: 150 });
    expect(reports[1].warnings).toEqual([]);
    expect(await h.rows('details_transactions')).toHaveLength(150);
  });

  it('is done with the child then: later scans record its skip once, and nothing after', async () => {
    expect(statuses(await scan())).toEqual([
      ['transactions', 'skipped'],
      ['details_transactions', 'skipped'],
    ]);
    expect(await scan()).toEqual([]);
  });
});
