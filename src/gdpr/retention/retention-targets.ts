/**
 * The retention targets, in the order they are purged: rejected rows before their runs (a run
 * is only deleted once it has none left, so no cascade deletes rows behind a batch's back).
 * Each deletes through its own purge function (migrations/1795564911000-CreateRetentionPurge.ts).
 */
import type { AppConfig } from '../../config/app-config';
import { callPurgeFunction, PurgeFunction, RetentionTarget } from './retention-target';

type RetentionSettings = AppConfig['retention'];

const TARGETS: readonly {
  name: string;
  purgeFunction: PurgeFunction;
  days: (settings: RetentionSettings) => number;
}[] = [
  {
    name: 'import_rejections',
    purgeFunction: 'purge_import_rejections',
    days: (s) => s.importHistoryDays,
  },
  { name: 'import_runs', purgeFunction: 'purge_import_runs', days: (s) => s.importHistoryDays },
  { name: 'audit_log', purgeFunction: 'purge_audit_log', days: (s) => s.auditDays },
];

export const retentionTargets = (config: AppConfig): RetentionTarget[] =>
  TARGETS.map(({ name, purgeFunction, days }) => ({
    name,
    retentionDays: days(config.retention),
    purgeBatch: (client, cutoff, limit) => callPurgeFunction(client, purgeFunction, cutoff, limit),
  }));
