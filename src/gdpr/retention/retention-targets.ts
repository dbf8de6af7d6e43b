/**
 * The retention targets, in the order they are purged: rejected rows before their runs (a run
 * is only deleted once it has none left, so no cascade deletes rows behind a batch's back).
 * Each deletes through its own purge function (migrations/1795564911000-CreateRetentionPurge.ts).
 * Inactive clients, when configured, go first: their erasures are audited, and the audit purge
 * that follows only ever removes entries older than its own cutoff.
 */
import type { AuditRepository } from '../../audit/audit.repository';
import type { AppConfig } from '../../config/app-config';
import type { ClientErasureRepository } from '../client-erasure.repository';
import { inactiveClientsTarget } from './inactive-clients.target';
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

export function retentionTargets(
  config: AppConfig,
  erasures: ClientErasureRepository,
  audit: AuditRepository,
): RetentionTarget[] {
  const inactiveDays = config.retention.inactiveClientDays;
  return [
    ...(inactiveDays === undefined ? [] : [inactiveClientsTarget(inactiveDays, erasures, audit)]),
    ...TARGETS.map(({ name, purgeFunction, days }): RetentionTarget => ({
      name,
      retentionDays: days(config.retention),
      purgeBatch: (client, cutoff, limit) =>
        callPurgeFunction(client, purgeFunction, cutoff, limit),
    })),
  ];
}
