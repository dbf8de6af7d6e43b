/** Retention metrics; the `target` label takes the fixed names of the retention targets. */
import { makeCounterProvider, makeGaugeProvider } from '@willsoto/nestjs-prometheus';

export const RETENTION_PURGED_ROWS = 'smartretail_retention_purged_rows_total';
export const RETENTION_LAST_RUN = 'smartretail_retention_last_run_timestamp_seconds';

export const retentionMetricProviders = [
  makeCounterProvider({
    name: RETENTION_PURGED_ROWS,
    help: 'Rows deleted by the retention purge because they outlived their retention, by target table.',
    labelNames: ['target'],
  }),
  makeGaugeProvider({
    name: RETENTION_LAST_RUN,
    help: 'Unix time the last retention purge of this instance completed (every target done).',
  }),
];
