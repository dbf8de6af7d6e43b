/**
 * `npm run bench`: generates data with the repository's generator into bench-data/ (git-ignored),
 * starts its own embedded PostgreSQL there (or uses DATABASE_URL), runs every benchmark part and
 * prints a table plus one machine-readable line starting with `BENCH `.
 *
 * Extending: a part is `{ name, run(context) => figures }` (bench/bench-context.ts); add it to
 * BENCH_PARTS. Parts run in order, so a part listed after `importBench` finds the database holding
 * 200,000 clients and 2,000,000 transaction lines imported through the real path.
 */
import 'reflect-metadata';
import { resolve } from 'node:path';
import { BenchContext, BenchFigures, BenchPart } from '../bench-context';
import { generateBenchData } from '../bench-data';
import { BENCH_WORK_DIR, startBenchDatabase } from '../bench-database';
import { importBench } from '../import-bench';
import { keyRotationBench } from '../key-rotation-bench';
import { runReadBench } from '../read-bench';
import { uploadRssBench } from '../upload-rss-bench';
import { createImportEngineContext } from '../../src/imports/engine/import-engine-context';
import { ImportService } from '../../src/imports/engine/import.service';
import { RoleScopedTransactions } from '../../src/database/role-scoped-transactions';
import { datasetCatalog } from '../../src/catalog/dataset-catalog';
import { parseCommandLine, runCli } from '../../src/cli/cli-usage';
import { psqlMissing } from '../psql-copy';

const CLI = {
  name: 'bench',
  usage: `usage: npm run bench
  generates data into bench-data/, imports it on its own embedded PostgreSQL (or DATABASE_URL)
  and prints the figures beside their targets, then a BENCH {...} line`,
};

/**
 * In order. The read part runs while the database holds exactly the imported bench data (200k
 * clients), before the upload part adds ~1 M stores with long addresses.
 */
const BENCH_PARTS: BenchPart[] = [
  importBench,
  { name: 'read API', run: runReadBench },
  uploadRssBench,
  // In a scratch database of its own (a rotation changes the master key for good).
  keyRotationBench,
];

const WORK_DIR = BENCH_WORK_DIR;
const RETAIL_TABLES = datasetCatalog
  .all()
  .map((spec) => spec.table)
  .join(', ');

async function main(): Promise<number> {
  parseCommandLine(process.argv.slice(2), {});
  // Checked first: the DBA baseline is part of every run, and a missing psql should not cost the
  // minutes of data generation and import before the run fails.
  const noPsql = psqlMissing();
  if (noPsql) {
    console.error(`bench: ${noPsql}`);
    return 1;
  }
  const started = Date.now();
  const log = (message: string) =>
    console.log(`[bench +${((Date.now() - started) / 1000).toFixed(0)}s] ${message}`);
  const { config, embedded, connectAsOwner } = await startBenchDatabase('db', 54398);
  try {
    const owner = await connectAsOwner();
    await owner.query(`TRUNCATE ${RETAIL_TABLES}, import_runs CASCADE`);
    await owner.end();
    log('generating data');
    const { files, rows } = await generateBenchData(resolve(WORK_DIR, 'csv'));

    const app = await createImportEngineContext(config);
    const context: BenchContext = {
      config,
      imports: app.get(ImportService),
      transactions: app.get(RoleScopedTransactions),
      connectAsOwner,
      files,
      rows,
      workDir: WORK_DIR,
      log,
    };
    const figures: BenchFigures = {};
    try {
      for (const part of BENCH_PARTS) {
        log(`${part.name}…`);
        Object.assign(figures, await part.run(context));
      }
    } finally {
      await app.close();
    }
    printFigures(figures, (Date.now() - started) / 1000);
    return 0;
  } finally {
    await embedded?.stop();
  }
}

function printFigures(f: BenchFigures, seconds: number): void {
  const ratio = (a: string, b: string) => (f[a] && f[b] ? (f[a] / f[b]).toFixed(2) : 'n/a');
  const rows: [string, string, string][] = Object.entries(f).map(([k, v]) => [
    k,
    v.toLocaleString('en-US'),
    '',
  ]);
  const target = (key: string, text: string) => {
    const row = rows.find((r) => r[0] === key);
    if (row) row[2] = text;
  };
  target(
    'clients_rows_per_s',
    `${ratio('clients_rows_per_s', 'clients_psql_copy_rows_per_s')} x psql \\copy (service / \\copy), ${ratio('clients_rows_per_s', 'crypto_bound_rows_per_s')} x crypto bound (>= 0.8), ${ratio('clients_rows_per_s', 'seed_way_rows_per_s')} x seed way (>= 30)`,
  );
  target(
    'details_rows_per_s',
    `${ratio('details_rows_per_s', 'details_psql_copy_rows_per_s')} x psql \\copy (service / \\copy), ${ratio('details_rows_per_s', 'plain_copy_rows_per_s')} x plain COPY (>= 0.5)`,
  );
  target('upload_peak_rss_mb', `target <= 300`);
  target(
    'read_decrypted_rows_per_s',
    `${ratio('read_decrypted_rows_per_s', 'decrypt_bound_rows_per_s')} x decrypt bound (>= 0.5)`,
  );
  target('email_lookup_p95_ms', `target <= 10`);
  target(
    'csv_export_rows_per_s',
    `${ratio('csv_export_rows_per_s', 'decrypt_bound_rows_per_s')} x decrypt bound (one streamed, audited export)`,
  );
  const width = Math.max(...rows.map((r) => r[0].length));
  console.log('');
  for (const [k, v, t] of rows) console.log(`${k.padEnd(width)}  ${v.padStart(12)}  ${t}`);
  console.log(`(${seconds.toFixed(0)} s in all)`);
  console.log(`BENCH ${JSON.stringify(f)}`);
}

// With the stack: a failing benchmark is a developer's problem to debug.
runCli(CLI, main, { stack: true });
