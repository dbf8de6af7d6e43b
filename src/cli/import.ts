/**
 * `npm run import -- <file-or-dir>... [--atomic] [--dataset <name>]`: imports CSV files the way the service does
 * (same bootstrap as main.ts, same ImportService, same lock and history), for operators.
 * Directories are expanded like the scheduled scan: matching files, in foreign-key order.
 * A file's dataset comes from its name, or from --dataset for files named otherwise.
 * Exit codes (src/cli/cli-usage.ts): 0 every run succeeded, 1 a run failed, 2 usage error (unknown
 * flag, no path, a path that does not exist, an unknown dataset); then a summary table.
 */
import 'reflect-metadata';
import { INestApplicationContext, Logger } from '@nestjs/common';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { exitCodeFor, onShutdownSignal } from '../common/shutdown-signals';
import { AppConfig } from '../config/app-config';
import { verifyDatabaseKeys } from '../database/database-key-check';
import { migrateDatabase } from '../database/database-migrator';
import { prepareRuntime } from '../database/runtime-environment';
import { datasetCatalog } from '../catalog/dataset-catalog';
import { DATASET_NAMES } from '../catalog/dataset.types';
import {
  CSV_ENCODINGS,
  CsvEncoding,
  parseCsvEncoding,
} from '../imports/engine/csv/csv-text-decoder';
import { datasetForFile } from '../imports/schedule/dataset-file-matcher';
import { ImportFile, importFilesIn } from '../imports/schedule/import-directory.service';
import { createImportEngineContext } from '../imports/engine/import-engine-context';
import { ImportService } from '../imports/engine/import.service';
import { MissingInputError, parseCommandLine, runCli, UsageError } from './cli-usage';
import { LogLineProgress, ProgressReporter, TerminalProgress } from './import-progress';
import { formatImportSummary, ImportSummaryRow } from './import-summary';

const CLI = {
  name: 'import',
  usage: `usage: npm run import -- <file-or-dir>... [--atomic] [--dataset <name>] [--encoding <charset>]
  --atomic             a file with any invalid row loads nothing
  --dataset <name>     the dataset of files whose name matches none (${DATASET_NAMES.join(', ')})
  --encoding <charset> the files' character set, when it cannot be told from the bytes (${CSV_ENCODINGS.join(', ')})`,
};

/** The path's kind; a path that does not exist is a usage error (one line, exit 2). */
async function statInput(path: string) {
  try {
    return await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new MissingInputError(path);
    throw error;
  }
}

async function filesFrom(paths: string[], datasetName?: string): Promise<ImportFile[]> {
  const forced = datasetName === undefined ? undefined : datasetCatalog.find(datasetName);
  if (datasetName !== undefined && !forced)
    throw new UsageError(`--dataset: no dataset named ${datasetName}`);
  const files: ImportFile[] = [];
  for (const path of paths) {
    if ((await statInput(path)).isDirectory()) {
      files.push(...(await importFilesIn(path)));
      continue;
    }
    const dataset = forced ?? datasetForFile(basename(path));
    if (!dataset)
      throw new UsageError(`${path}: the file name matches no dataset (use --dataset <name>)`);
    files.push({ path, name: basename(path), dataset });
  }
  return files;
}

/** Set by a shutdown signal, whose handler then decides the exit code. */
let stoppedBy: NodeJS.Signals | undefined;

async function main(): Promise<number> {
  const { values, positionals } = parseCommandLine(
    process.argv.slice(2),
    {
      atomic: { type: 'boolean', default: false },
      dataset: { type: 'string' },
      encoding: { type: 'string' },
    },
    { min: 1, max: Infinity },
  );
  const encoding = values.encoding === undefined ? undefined : parseCsvEncoding(values.encoding);
  if (values.encoding !== undefined && !encoding)
    throw new UsageError(`--encoding must be one of ${CSV_ENCODINGS.join(', ')}`);
  const files = await filesFrom(positionals, values.dataset);
  const logger = new Logger('Import');
  // Beside `npm start`, use its embedded PostgreSQL; start (and later stop) one only if none runs.
  const { config, embedded } = await prepareRuntime(process.env, logger, { sharing: 'join' });
  let engine: INestApplicationContext | undefined;
  onShutdownSignal(
    async (signal) => {
      stoppedBy = signal;
      logger.warn(
        `${signal} received: the file in progress is rolled back, recorded as interrupted`,
      );
      // Closing interrupts the import; whatever happens, an embedded server we started stops.
      await engine?.close().catch((error: Error) => logger.error(error.message));
      await embedded?.stop();
      process.exit(exitCodeFor(signal));
    },
    (message) => logger.warn(message),
  );
  try {
    await migrateDatabase(config);
    await verifyDatabaseKeys(config, logger);
    const mode = values.atomic ? 'atomic' : 'default';
    return await importAll(config, files, mode, encoding, (opened) => {
      engine = opened;
    });
  } finally {
    await embedded?.stop();
  }
}

async function importAll(
  config: AppConfig,
  files: ImportFile[],
  mode: 'default' | 'atomic',
  encoding: CsvEncoding | undefined,
  onOpen: (engine: INestApplicationContext) => void,
): Promise<number> {
  const app = await createImportEngineContext(config);
  onOpen(app);
  const imports = app.get(ImportService);
  const summary: ImportSummaryRow[] = [];
  try {
    for (const file of files) {
      const progress: ProgressReporter = process.stdout.isTTY
        ? new TerminalProgress()
        : new LogLineProgress();
      const { size } = await stat(file.path);
      progress.start(file.name, size);
      const { report } = await imports
        .importContent({
          dataset: file.dataset,
          source: 'cli',
          mode,
          encoding,
          fileName: file.name,
          sizeBytes: size,
          content: createReadStream(file.path, { highWaterMark: 256 * 1024 }),
          onProgress: (p) => progress.update(p),
        })
        .finally(() => progress.stop());
      summary.push({ file: file.name, dataset: file.dataset.name, report });
      const c = report.counts;
      console.log(
        `${file.name} → ${file.dataset.name}: ${report.status} in ${report.durationSeconds ?? 0}s — ` +
          `${c.rowsRead} read, ${c.inserted} inserted, ${c.updated} updated, ${c.unchanged} unchanged, ` +
          `${c.rejected} rejected (run ${report.id})${report.error ? `: ${report.error}` : ''}`,
      );
      for (const warning of report.warnings.slice(0, 10)) console.log(`  warning: ${warning}`);
      for (const r of report.rejections.slice(0, 10))
        console.log(`  line ${r.line}${r.column ? ` [${r.column}]` : ''}: ${r.reason}`);
    }
  } finally {
    await app.close();
  }
  console.log(`\n${formatImportSummary(summary)}`);
  return summary.every((row) => row.report.status === 'succeeded') ? 0 : 1;
}

runCli(CLI, main, { stoppedBySignal: () => stoppedBy !== undefined });
