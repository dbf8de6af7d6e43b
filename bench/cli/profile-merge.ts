/**
 * `node dist/bench/cli/profile-merge.js [--lines 2000000] [--explain]`
 *
 * Where one transaction-lines import spends its time, statement by statement, by both merge
 * paths (all keys new, and the full merge), next to `psql \copy` of the same file into the same
 * emptied table, in the same run. Its own embedded
 * PostgreSQL under bench-data/merge-profile-db (or DATABASE_URL). The import's phases come from
 * the loader's debug line; with --explain, auto_explain logs every statement over 100 ms with
 * EXPLAIN (ANALYZE, BUFFERS) into the server's log, printed after the run (the timing of every
 * plan node slows the statements a little: compare phases of runs without it).
 */
import 'reflect-metadata';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { BENCH_SIZES, writeSampleFiles } from '../bench-data';
import { BENCH_WORK_DIR, startBenchDatabase } from '../bench-database';
import { timed } from '../bench-context';
import { psqlCopy } from '../psql-copy';
import { datasetCatalog } from '../../src/catalog/dataset-catalog';
import type { DatasetName } from '../../src/catalog/dataset.types';
import { parseCommandLine, runCli } from '../../src/cli/cli-usage';
import { createImportEngineContext } from '../../src/imports/engine/import-engine-context';
import { ImportService } from '../../src/imports/engine/import.service';

const CLI = {
  name: 'profile-merge',
  usage: `usage: node dist/bench/cli/profile-merge.js [--lines 2000000] [--explain]`,
};

const PARENTS: DatasetName[] = ['clients', 'magasins', 'produits', 'transactions'];
const AUTO_EXPLAIN = [
  `ALTER SYSTEM SET session_preload_libraries = 'auto_explain'`,
  `ALTER SYSTEM SET auto_explain.log_min_duration = '100ms'`,
  `ALTER SYSTEM SET auto_explain.log_analyze = on`,
  `ALTER SYSTEM SET auto_explain.log_buffers = on`,
  `ALTER SYSTEM SET auto_explain.log_triggers = on`,
  `ALTER SYSTEM SET log_min_duration_statement = '100ms'`,
];
const AUTO_EXPLAIN_OFF = [
  `ALTER SYSTEM RESET session_preload_libraries`,
  `ALTER SYSTEM SET log_min_duration_statement = '100ms'`,
];

async function main(): Promise<number> {
  const { values } = parseCommandLine(process.argv.slice(2), {
    lines: { type: 'string', default: '2000000' },
    explain: { type: 'boolean', default: false },
  });
  const lines = Number(values.lines);
  const db = await startBenchDatabase('merge-profile-db', 54433);
  const owner = await db.connectAsOwner();
  // Before the import engine connects: session_preload_libraries applies to new sessions only.
  for (const sql of values.explain ? AUTO_EXPLAIN : AUTO_EXPLAIN_OFF) await owner.query(sql);
  await owner.query(`SELECT pg_reload_conf()`);
  const app = await createImportEngineContext(db.config);
  app.useLogger(['error', 'warn', 'debug']);
  const imports = app.get(ImportService);
  try {
    const tables = datasetCatalog
      .all()
      .map((s) => s.table)
      .join(', ');
    await owner.query(`TRUNCATE ${tables}, import_runs CASCADE`);
    // Few clients: only the transactions refer to them, and their encryption is not measured here.
    const sizes = { ...BENCH_SIZES, clients: 20_000, details_transactions: lines };
    const { files } = await writeSampleFiles(resolve(BENCH_WORK_DIR, 'profile-csv'), sizes, [
      ...PARENTS,
      'details_transactions',
    ]);
    const load = async (dataset: DatasetName) => {
      const seconds = await timed(async () => {
        const { report, failure } = await imports.importContent({
          dataset: datasetCatalog.get(dataset),
          source: 'cli',
          mode: 'default',
          fileName: `${dataset}.csv`,
          content: createReadStream(files[dataset], { highWaterMark: 256 * 1024 }),
        });
        if (failure) throw failure;
        console.log(`${dataset}: ${JSON.stringify(report.counts)}`);
      });
      return seconds;
    };
    for (const parent of PARENTS) await load(parent);
    await owner.query(`ANALYZE`);
    const logFile = db.embedded?.logFilePath;
    const logStart = logFile ? (await stat(logFile)).size : 0;
    // First into the empty table (no staged key can exist: the all-new insert), then again with
    // the file's first line already stored and the table analysed in that state, which sends
    // the same file down the full merge (new-key search, semi-join), the path every import took
    // before: both paths, on the same data, in the same run.
    const allNew = await load('details_transactions');
    await owner.query(
      `CREATE TEMP TABLE first_line AS SELECT * FROM details_transactions ORDER BY detail_id LIMIT 1`,
    );
    await owner.query(`TRUNCATE details_transactions`);
    await owner.query(`INSERT INTO details_transactions SELECT * FROM first_line`);
    await owner.query(`ANALYZE details_transactions`);
    const fullMerge = await load('details_transactions');
    await owner.query(`TRUNCATE details_transactions`);
    const copy = await timed(() =>
      psqlCopy(db.config, 'details_transactions', files.details_transactions),
    );
    const rate = (seconds: number) =>
      `${Math.round(lines / seconds)} rows/s (${seconds.toFixed(1)} s, ${(copy / seconds).toFixed(2)} x \\copy)`;
    console.log(
      `details_transactions: all-new insert ${rate(allNew)}, full merge ${rate(fullMerge)}, ` +
        `psql \\copy ${rate(copy)}`,
    );
    // The same rows into the same emptied table by INSERT ... SELECT from a TEMP copy: what the
    // merge's last statement costs against COPY, with nothing else different.
    const insertSelect = await timed(async () => {
      await owner.query(`BEGIN`);
      await owner.query(
        `CREATE TEMP TABLE copied ON COMMIT DROP AS SELECT * FROM details_transactions`,
      );
      await owner.query(`TRUNCATE details_transactions`);
      await owner.query(`INSERT INTO details_transactions SELECT * FROM copied`);
      await owner.query(`COMMIT`);
    });
    await owner.query(`TRUNCATE details_transactions`);
    const copyAgain = await timed(() =>
      psqlCopy(db.config, 'details_transactions', files.details_transactions),
    );
    console.log(
      `same table: INSERT ... SELECT from a TEMP copy ${insertSelect.toFixed(1)} s (incl. the copy), psql \\copy again ${copyAgain.toFixed(1)} s`,
    );
    if (logFile) {
      const text = (await readFile(logFile)).subarray(logStart).toString();
      console.log(`--- server log: statements over 100 ms ---\n${text}`);
    }
    return 0;
  } finally {
    await app.close();
    await owner.end();
    await db.embedded?.stop();
  }
}

runCli(CLI, main, { stack: true });
