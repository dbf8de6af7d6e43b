/**
 * The retention targets, in the order they are purged: rejected rows before their runs (a run
 * is only deleted once it has none left, so no cascade deletes rows behind a batch's back).
 */
import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { AppConfig } from '../../config/app-config';
import { callPurgeFunction, RetentionTarget } from './retention-target';

@Injectable()
export class ImportRejectionsRetention implements RetentionTarget {
  readonly name = 'import_rejections';
  readonly retentionDays: number;
  constructor(config: AppConfig) {
    this.retentionDays = config.retention.importHistoryDays;
  }
  purgeBatch(client: PoolClient, cutoff: Date, limit: number): Promise<number> {
    return callPurgeFunction(client, 'purge_import_rejections', cutoff, limit);
  }
}

@Injectable()
export class ImportRunsRetention implements RetentionTarget {
  readonly name = 'import_runs';
  readonly retentionDays: number;
  constructor(config: AppConfig) {
    this.retentionDays = config.retention.importHistoryDays;
  }
  purgeBatch(client: PoolClient, cutoff: Date, limit: number): Promise<number> {
    return callPurgeFunction(client, 'purge_import_runs', cutoff, limit);
  }
}

@Injectable()
export class AuditLogRetention implements RetentionTarget {
  readonly name = 'audit_log';
  readonly retentionDays: number;
  constructor(config: AppConfig) {
    this.retentionDays = config.retention.auditDays;
  }
  purgeBatch(client: PoolClient, cutoff: Date, limit: number): Promise<number> {
    return callPurgeFunction(client, 'purge_audit_log', cutoff, limit);
  }
}

export const RETENTION_TARGET_CLASSES = [
  ImportRejectionsRetention,
  ImportRunsRetention,
  AuditLogRetention,
];
