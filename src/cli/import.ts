/**
 * `npm run import -- <file-or-dir>... [--atomic] [--dataset <name>]`: imports CSV files the way the service does
 * (same bootstrap as main.ts, same ImportService, same lock and history), for operators.
 * Directories are expanded like the scheduled scan: matching files, in foreign-key order.
 * A file's dataset comes from its name, or from --dataset for files named otherwise.
 * Exit code: 0 when every run succeeded, 1 otherwise.
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { AppConfig } from '../config/app-config';
import { verifyDatabaseKeys } from '../database/database-key-check';
import { migrateDatabase } from '../database/database-migrator';
import { prepareRuntime } from '../database/runtime-environment';
import { datasetCatalog } from '../catalog/dataset-catalog';
import { CSV_ENCODINGS, CsvEncoding, parseCsvEncoding } from '../imports/csv/csv-text-decoder';
import { datasetForFile } from '../imports/dataset-file-matcher';
import { ImportFile, importFilesIn } from '../imports/import-directory.service';
import { createImportEngineContext } from '../imports/import-engine-context';
import { ImportService } from '../imports/import.service';
import { LogLineProgress, ProgressReporter, TerminalProgress } from './import-progress';

async function filesFrom(paths: string[], datasetName?: string): Promise<ImportFile[]> {
  const forced = datasetName === undefined ? undefined : datasetCatalog.find(datasetName);
  if (datasetName !== undefined && !forced)
    throw new Error(`--dataset: no dataset named ${datasetName}`);
  const files: ImportFile[] = [];
  for (const path of paths) {
    if ((await stat(path)).isDirectory()) {
      files.push(...(await importFilesIn(path)));
      continue;
    }
    const dataset = forced ?? datasetForFile(basename(path));
    if (!dataset)
      throw new Error(`${path}: the file name matches no dataset (use --dataset <name>)`);
    files.push({ path, name: basename(path), dataset });
  }
  return files;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      atomic: { type: 'boolean', default: false },
      dataset: { type: 'string' },
      encoding: { type: 'string' },
    },
  });
  const encoding = values.encoding === undefined ? undefined : parseCsvEncoding(values.encoding);
  if (values.encoding !== undefined && !encoding)
    throw new Error(`--encoding must be one of ${CSV_ENCODINGS.join(', ')}`);
  if (!positionals.length) {
    console.error('usage: npm run import -- <file-or-dir>... [--atomic] [--dataset <name>]');
    return 2;
  }
  const files = await filesFrom(positionals, values.dataset);
  const logger = new Logger('Import');
  const { config, embedded } = await prepareRuntime(process.env, logger);
  try {
    await migrateDatabase(
      config.databaseUrl,
      { app_user: config.appDbPassword, grafana: config.grafanaDbPassword },
      config.dbSsl,
    );
    await verifyDatabaseKeys(config, logger);
    return await importAll(config, files, values.atomic ? 'atomic' : 'default', encoding);
  } finally {
    await embedded?.stop();
  }
}

async function importAll(
  config: AppConfig,
  files: ImportFile[],
  mode: 'default' | 'atomic',
  encoding?: CsvEncoding,
): Promise<number> {
  const app = await createImportEngineContext(config);
  const imports = app.get(ImportService);
  let failures = 0;
  try {
    for (const file of files) {
      const progress: ProgressReporter = process.stdout.isTTY
        ? new TerminalProgress()
        : new LogLineProgress();
      progress.start(file.name, (await stat(file.path)).size);
      const { report } = await imports
        .importContent({
          dataset: file.dataset,
          source: 'cli',
          mode,
          encoding,
          fileName: file.name,
          content: createReadStream(file.path, { highWaterMark: 256 * 1024 }),
          onProgress: (p) => progress.update(p),
        })
        .finally(() => progress.stop());
      const c = report.counts;
      console.log(
        `${file.name} → ${file.dataset.name}: ${report.status} in ${report.durationSeconds ?? 0}s — ` +
          `${c.rowsRead} read, ${c.inserted} inserted, ${c.updated} updated, ${c.unchanged} unchanged, ` +
          `${c.rejected} rejected (run ${report.id})${report.error ? `: ${report.error}` : ''}`,
      );
      for (const warning of report.warnings.slice(0, 10)) console.log(`  warning: ${warning}`);
      for (const r of report.rejections.slice(0, 10))
        console.log(`  line ${r.line}${r.column ? ` [${r.column}]` : ''}: ${r.reason}`);
      if (report.status !== 'succeeded') failures++;
    }
  } finally {
    await app.close();
  }
  return failures ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
