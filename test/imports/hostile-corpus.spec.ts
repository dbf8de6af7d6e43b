/**
 * Uploads every file of the hostile corpus (see hostile-corpus.cases.ts) over HTTP as a writer,
 * in order, into one database, and after each one checks the answer, the run recorded, its
 * rejections, that the counts add up, and that no personal marker of the corpus (`Zq...`, the
 * birth date 1931-07-13) appears in clear anywhere: the responses (upload, the run, the
 * rejections CSV), any table (import history included), the WAL the upload wrote, and, at the
 * end, the service log.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { fixture, FIXTURES, ImportHarness } from '../support/import-harness';
import { bearer } from '../support/role-tokens';
import { localWalDir, WalReader } from '../support/wal-reader';
import { CORPUS, CORPUS_PARENTS, CorpusCase } from './hostile-corpus.cases';

const MARKERS = /zq|1931-07-13/i;
/**
 * Searched in the WAL: the WAL is the whole cluster's, and other spec files running at the same
 * time write their own test data to it, so only markers no other spec uses (the shifted-row and
 * shifted-header files') can prove anything there.
 */
const WAL_MARKERS = /.{0,24}zqmark.{0,24}/gi;
const WAL = localWalDir();
const GENERATOR = join(FIXTURES, 'generate-corpus.mjs');
const large = mkdtempSync(join(tmpdir(), 'hostile-corpus-'));
const pathOf = (c: CorpusCase) =>
  c.file.startsWith('large:') ? join(large, c.file.slice(6)) : fixture(`not-ok/${c.file}`);

interface RunRow {
  id: string;
  status: string;
  failure_kind: string | null;
  error: string | null;
  rows_read: string;
  rejected: string;
  mode: string;
  stored_rejections: string;
}

describe('the hostile CSV corpus, uploaded over HTTP', () => {
  let h: ImportHarness;
  const log: string[] = [];
  const writes = [process.stdout, process.stderr].map((stream) => {
    const original = stream.write.bind(stream);
    return { stream, original };
  });

  beforeAll(async () => {
    execFileSync(process.execPath, [GENERATOR, '--large', large]);
    // The service log: Nest's logger writes to these streams; keep a copy of every line.
    for (const { stream, original } of writes) {
      stream.write = (chunk: string | Uint8Array, ...rest: never[]) => {
        log.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
        return original(chunk, ...rest);
      };
    }
    h = await ImportHarness.start({
      IMPORT_MAX_BYTES: String(12 * 1024 * 1024),
      LOG_LEVEL: 'debug',
      // No scheduled scan of ./data in the middle of the corpus: every run here is an upload.
      IMPORT_DIR: mkdtempSync(join(tmpdir(), 'hostile-corpus-scan-')),
      IMPORT_CRON: '0 0 3 1 1 *',
    });
    for (const [file, dataset] of CORPUS_PARENTS) {
      expect((await h.report(fixture(file), dataset)).status).toBe('succeeded');
    }
  });
  afterAll(async () => {
    for (const { stream, original } of writes) stream.write = original;
    await h.stop();
    rmSync(large, { recursive: true, force: true });
  });

  const writer = () => request(h.app.getHttpServer());
  let wal: WalReader | undefined;
  const walDuring = async (work: () => Promise<unknown>): Promise<string> => {
    if (!wal && 'dir' in WAL)
      wal = await WalReader.open(WAL.dir, (sql, params) => h.query(sql, params));
    if (!wal) return (await work(), '');
    return (await wal.during(work)).toString('latin1');
  };

  /** Every row of every table, as text: personal columns are bytea, so only leaks match. */
  async function tablesHoldingMarkers(): Promise<string[]> {
    const tables = await h.query<{ name: string }>(
      `SELECT format('%I.%I', table_schema, table_name) AS name FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
          AND table_schema NOT LIKE 'pg_%'`,
    );
    const leaking: string[] = [];
    for (const { name } of tables) {
      const [{ n }] = await h.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${name} t WHERE t::text ~* $1`,
        [MARKERS.source],
      );
      if (n) leaking.push(name);
    }
    return leaking;
  }

  const latestRun = async (dataset: string) =>
    (
      await h.query<RunRow>(
        `SELECT r.*, (SELECT count(*) FROM import_rejections j WHERE j.run_id = r.id) AS stored_rejections
           FROM import_runs r WHERE dataset = $1 ORDER BY started_at DESC LIMIT 1`,
        [dataset],
      )
    )[0];

  it('has at least 40 files, and the committed ones are what the generator writes', () => {
    expect(new Set(CORPUS.map((c) => c.file)).size).toBeGreaterThanOrEqual(40);
    execFileSync(process.execPath, [GENERATOR, '--check']);
  });

  // The WAL assertions below prove nothing unless the reader finds what a transaction wrote.
  const itReadsWal = 'dir' in WAL ? it : it.skip;
  const walSkipped = 'dir' in WAL ? '' : ` (skipped: ${WAL.unreadable})`;
  itReadsWal(`finds in the WAL a value a committed transaction wrote${walSkipped}`, async () => {
    const probe = `walprobe-${randomUUID()}`;
    await h.query(`CREATE TABLE wal_probe (probe text)`);
    const written = await walDuring(() =>
      h.query(`INSERT INTO wal_probe (probe) VALUES ($1)`, [probe]),
    );
    await h.query(`DROP TABLE wal_probe`);
    expect(written).toContain(probe);
  });

  it.each(CORPUS.map((c) => [`${c.file}${c.query ?? ''}`, c] as const))('%s', async (_name, c) => {
    let res!: request.Response;
    const written = await walDuring(async () => {
      res = await writer()
        .post(`/datasets/${c.dataset}/imports${c.query ?? ''}`)
        .set(...bearer('writer'))
        .attach('file', pathOf(c));
    });
    expect(res.status).toBe(c.status);
    expect(res.text).not.toMatch(MARKERS);
    // The surrounding bytes, when it fails, say which record held it.
    expect(written.match(WAL_MARKERS) ?? []).toEqual([]);
    const run = await latestRun(c.dataset);
    expect(run.status).not.toBe('running');
    const recorded = await writer()
      .get(`/imports/${run.id}`)
      .set(...bearer('writer'))
      .expect(200);
    expect(recorded.text).not.toMatch(MARKERS);
    if (c.status !== 201) {
      if (typeof c.message === 'string') expect(res.body.message).toBe(c.message);
      else expect(res.body.message).toMatch(c.message!);
      expect(run).toMatchObject({ status: 'failed', failure_kind: 'input', rows_read: '0' });
      expect(run.error).toBe(res.body.message);
    } else {
      const report = res.body;
      expect(report.status).toBe('succeeded');
      const counts = { rowsRead: 0, inserted: 0, updated: 0, unchanged: 0, rejected: 0 };
      expect(report.counts).toEqual({ ...counts, ...c.counts });
      expect(report.warnings).toEqual(c.warnings ?? []);
      const rejections = report.rejections as {
        line: number;
        column: string;
        reason: string;
        value?: string;
        valueShape?: string;
      }[];
      expect(rejections.map((r) => [r.line, r.column, r.reason])).toEqual(c.rejections ?? []);
      if (c.values) expect(rejections.map((r) => r.value)).toEqual(c.values);
      if (c.shapes) expect(rejections.map((r) => r.valueShape)).toEqual(c.shapes);
      // Whichever column a cell was read as: a dataset with personal data keeps no cell.
      if (c.dataset === 'clients') {
        expect(
          rejections.filter((r) => r.value !== undefined && r.reason !== 'erased subject'),
        ).toEqual([]);
      }
      // Every rejected row is on record (none dropped), and the record matches the answer.
      expect(Number(run.stored_rejections)).toBe(report.counts.rejected);
      expect(run.id).toBe(report.id);
      const csv = await writer()
        .get(`/imports/${report.id}/rejections`)
        .set(...bearer('writer'))
        .expect(200);
      expect(csv.text).not.toMatch(MARKERS);
    }
    expect(await tablesHoldingMarkers()).toEqual([]);
  });

  it('decoded the text it accepted correctly (UTF-16, UTF-8 around a bad byte, tabs)', async () => {
    const byId = new Map((await h.rows('clients')).map((r) => [r.client_id, r]));
    for (const id of [3021, 3051, 3054, 3061, 3071, 3081]) {
      expect(byId.get(id)).toMatchObject({ prenom: `Zqprénom${id}`, email: `zq${id}@example.com` });
    }
    expect(byId.has(3053)).toBe(false);
    const stores = new Map((await h.rows('magasins')).map((r) => [r.magasin_id, r.nom]));
    expect(stores.get(101)).toBe('Le "Grand" Magasin');
    expect(stores.get(131)).toBe("Robert'); DROP TABLE magasins;--");
  });

  it('never wrote a personal value to the service log', () => {
    const text = log.join('');
    // The capture works: the importer's debug line names each file it loaded.
    expect(text).toContain('clients_nul_bytes.csv');
    expect(text).not.toMatch(MARKERS);
  });
});
