/**
 * Files the scan meets while they are still being written: a file appended to on a live,
 * short cron is imported once, completely, after it has settled; a writer's file not yet renamed
 * into place is ignored; a file that changes while its import reads it is recorded as failed and
 * imported once it has settled; names holding control characters are refused.
 */
import { appendFile, rename, writeFile } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { datasetCatalog } from '../../src/catalog/dataset-catalog';
import type { ImportRequest, ImportResult } from '../../src/imports/engine/import.service';
import { ImportDirectoryService } from '../../src/imports/schedule/import-directory.service';
import { ImportHarness } from '../support/import-harness';

const HEADER = 'produit_id,nom,categorie,prix,stock\n';
const line = (id: number) => `${id},Produit ${id},Épicerie,123.45,${id}\n`;
const products = (count: number) =>
  HEADER + Array.from({ length: count }, (_, i) => line(i + 1)).join('');
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface RunRow {
  status: string;
  rows_read: number;
  failure_kind: string | null;
  error: string | null;
  checksum: string | null;
}
const runsOf = (h: ImportHarness, dataset: string) =>
  h.query<RunRow>(
    `SELECT status, rows_read::int, failure_kind, error, checksum FROM import_runs
      WHERE dataset = $1 ORDER BY started_at`,
    [dataset],
  );

/** Polls until `condition` holds; jest's timeout bounds the wait. */
async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await pause(100);
}

describe('a file appended to while scans run every second', () => {
  const ROWS = 12;
  let h: ImportHarness;
  let dir: string;
  let scans = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'settle-live-'));
    h = await ImportHarness.start({
      IMPORT_DIR: dir,
      IMPORT_CRON: '* * * * * *',
      IMPORT_SETTLE_MS: '4000',
    });
    const scanner = h.app.get(ImportDirectoryService);
    const scan = scanner.scan.bind(scanner);
    jest.spyOn(scanner, 'scan').mockImplementation(async (d) => {
      const result = await scan(d);
      scans++;
      return result;
    });
  });
  afterAll(() => h.stop());

  it('is imported once, completely, after it settles', async () => {
    // Each write ends in the middle of an amount (…,123 then .45,…), pausing far less than the
    // settle period while scans keep running.
    const path = join(dir, 'produits.csv');
    await writeFile(path, HEADER);
    for (let id = 1; id <= ROWS; id++) {
      const text = line(id);
      const cut = text.indexOf('.45');
      await appendFile(path, text.slice(0, cut));
      await pause(150);
      await appendFile(path, text.slice(cut));
    }
    const scansBefore = scans;
    await until(async () => (await runsOf(h, 'produits')).some((r) => r.status === 'succeeded'));
    // A few more scans of the settled file: they must not import it again.
    const scansAfterImport = scans;
    await until(() => scans >= scansAfterImport + 3);

    expect(scans).toBeGreaterThan(scansBefore);
    const runs = await runsOf(h, 'produits');
    expect(runs.filter((r) => r.status !== 'skipped')).toEqual([
      expect.objectContaining({ status: 'succeeded', rows_read: ROWS }),
    ]);
    const rows = await h.rows('produits');
    expect(rows).toHaveLength(ROWS);
    expect(rows.map((r) => r.prix)).toEqual(Array(ROWS).fill(123.45));
  });
});

describe('files the scan leaves alone or takes care with', () => {
  let h: ImportHarness;
  let dir: string;
  const scan = async () => (await h.app.get(ImportDirectoryService).scan(dir))!;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'settle-names-'));
    // Settling is the other spec's business: here every file is as good as settled.
    h = await ImportHarness.start({ IMPORT_DIR: dir, IMPORT_SETTLE_MS: '0' });
  });
  afterAll(() => h.stop());
  afterEach(() => jest.restoreAllMocks());

  it('ignores a writer file not yet renamed into place (.part, .tmp, dotfile), then imports it once renamed', async () => {
    await writeFile(join(dir, 'produits.csv.part'), products(3));
    await writeFile(join(dir, 'produits.csv.tmp'), products(3));
    await writeFile(join(dir, '.produits.csv'), products(3));
    expect(await scan()).toEqual([]);
    expect(await runsOf(h, 'produits')).toEqual([]);

    await rename(join(dir, 'produits.csv.part'), join(dir, 'produits.csv'));
    const reports = await scan();
    expect(reports.map((r) => [r.fileName, r.status, r.counts.inserted])).toEqual([
      ['produits.csv', 'succeeded', 3],
    ]);
  });

  it('refuses a file name holding a control character: no run, nothing stored raw', async () => {
    await writeFile(join(dir, 'magasins\n.csv'), 'magasin_id,nom\n1,Lyon\n');
    expect(await scan()).toEqual([
      expect.objectContaining({ dataset: 'produits', status: 'skipped' }),
    ]);
    expect(await runsOf(h, 'magasins')).toEqual([]);
  });

  it('stores a file name from another way in with its control characters made visible', async () => {
    const { report } = await h.imports.importContent({
      dataset: datasetCatalog.get('magasins'),
      source: 'cli',
      mode: 'default',
      fileName: 'magasins\r\n\u001b[31m.csv',
      content: Readable.from([Buffer.from('magasin_id,nom\n1,Lyon\n')]),
    });
    expect(report.fileName).toBe('magasins\u240d\u240a\u241b[31m.csv');
  });

  it('records a file that changed during its import as failed, then imports it once settled', async () => {
    const path = join(dir, 'magasins.csv');
    await writeFile(path, 'magasin_id,nom\n2,Paris\n');
    // The writer appends while the import is reading the file (after its first chunk).
    const imports = h.imports;
    const importContent = imports.importContent.bind(imports);
    jest
      .spyOn(imports, 'importContent')
      .mockImplementation((request: ImportRequest): Promise<ImportResult> =>
        importContent({ ...request, content: appendingAfterFirstChunk(request.content, path) }),
      );
    const [failed] = await scan();
    expect(failed).toMatchObject({
      dataset: 'magasins',
      status: 'failed',
      failureKind: 'input',
      error: 'the file changed while it was read',
      checksum: null,
      counts: { rowsRead: 0, inserted: 0 },
    });
    expect(await h.rows('magasins')).toEqual([expect.objectContaining({ magasin_id: 1 })]);

    jest.restoreAllMocks();
    const [retried] = await scan();
    expect(retried).toMatchObject({ dataset: 'magasins', status: 'succeeded' });
    expect(retried.counts).toMatchObject({ rowsRead: 2, inserted: 2 });
  });
});

async function* appendingAfterFirstChunk(
  content: AsyncIterable<Buffer>,
  path: string,
): AsyncGenerator<Buffer> {
  let first = true;
  for await (const chunk of content) {
    yield chunk;
    if (first) await appendFile(path, '3,Nantes\n');
    first = false;
  }
}
