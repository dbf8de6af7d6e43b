/**
 * The import metrics. The first four keep the seed system's names so its dashboards and
 * queries keep working; every label value comes from a closed list (dataset catalog, import
 * sources and statuses, row outcomes), never from a file name or a user.
 */
import { Provider } from '@nestjs/common';
import {
  getToken,
  makeCounterProvider,
  makeGaugeProvider,
  makeHistogramProvider,
} from '@willsoto/nestjs-prometheus';
import { Gauge, GaugeConfiguration, register } from 'prom-client';

export const RUNS_TOTAL = 'smartretail_runs_total';
export const PROCESSING_DURATION = 'smartretail_processing_duration_seconds';
export const ERRORS_TOTAL = 'smartretail_errors_total';
export const LAST_INSERT_COUNT = 'smartretail_last_insert_count';
export const ROWS_TOTAL = 'smartretail_rows_total';
export const LAST_SUCCESS = 'smartretail_last_success_timestamp_seconds';
export const ROWS_PER_SECOND = 'smartretail_import_rows_per_second';
export const IMPORTED_BYTES = 'smartretail_import_bytes_total';
export const IMPORT_WAIT = 'smartretail_import_wait_seconds';
export const UNCHANGED_FILES = 'smartretail_import_unchanged_files_total';

export const ROW_OUTCOMES = ['inserted', 'updated', 'unchanged', 'rejected'] as const;

/**
 * A gauge exposed as `untyped`. Prometheus' naming lint (`promtool check metrics`) reserves the
 * `_count` suffix for histograms and summaries, and skips untyped metrics; the seed's name
 * `smartretail_last_insert_count` must stay, so its TYPE line says untyped. Queries are
 * unaffected: Prometheus stores untyped samples exactly like gauge samples.
 */
export class SeedCompatibleGauge<T extends string> extends Gauge<T> {
  constructor(configuration: GaugeConfiguration<T>) {
    super(configuration);
    (this as unknown as { type: string }).type = 'untyped';
  }
}

const lastInsertCountProvider: Provider = {
  provide: getToken(LAST_INSERT_COUNT),
  useFactory: () =>
    register.getSingleMetric(LAST_INSERT_COUNT) ??
    new SeedCompatibleGauge({
      name: LAST_INSERT_COUNT,
      help: 'Rows inserted by the last successful import run (seed name; exposed untyped).',
      labelNames: ['dataset', 'source'],
    }),
};

export const importMetricProviders: Provider[] = [
  makeCounterProvider({
    name: RUNS_TOTAL,
    help: 'Finished import runs, by dataset, source and final status.',
    labelNames: ['dataset', 'source', 'status'],
  }),
  makeHistogramProvider({
    name: PROCESSING_DURATION,
    help: 'Duration of import runs that processed a file (skipped runs excluded).',
    labelNames: ['dataset', 'source', 'status'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
  }),
  makeCounterProvider({
    name: ERRORS_TOTAL,
    help: 'Import runs that failed, by dataset and source.',
    labelNames: ['dataset', 'source'],
  }),
  lastInsertCountProvider,
  makeCounterProvider({
    name: ROWS_TOTAL,
    help: 'Data rows read by imports, by dataset and outcome (inserted, updated, unchanged, rejected).',
    labelNames: ['dataset', 'outcome'],
  }),
  makeGaugeProvider({
    name: LAST_SUCCESS,
    help: 'Unix time of the last run that left the dataset up to date (succeeded, or skipped because the file was unchanged).',
    labelNames: ['dataset'],
  }),
  makeGaugeProvider({
    name: ROWS_PER_SECOND,
    help: 'Throughput of the last successful import run of the dataset (rows read per second).',
    labelNames: ['dataset'],
  }),
  makeHistogramProvider({
    name: IMPORT_WAIT,
    help: 'How long imports waited for their turn: the queue of this instance, then the dataset lock across instances.',
    labelNames: ['dataset'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300],
  }),
  makeCounterProvider({
    name: UNCHANGED_FILES,
    help: 'Scanned files not imported again because that content was imported (or failed for good) before.',
    labelNames: ['dataset'],
  }),
  makeCounterProvider({
    name: IMPORTED_BYTES,
    help: 'Bytes of CSV processed by import runs (skipped runs excluded).',
    labelNames: ['dataset', 'source'],
  }),
];
