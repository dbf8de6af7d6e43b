/**
 * The append-only audit trail of clear personal data leaving the database.
 * Rows are written only through smartretail.audit_personal_read (SECURITY DEFINER, see the
 * migration), which takes `sub` from request.jwt.claims and the role from the transaction:
 * the API cannot write an audit row in someone else's name, and no role can edit one.
 */
import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { Caller } from '../auth/caller';

export interface AuditEntry {
  auditId: number;
  occurredAt: string;
  action: string;
  sub: string;
  role: string;
  dataset: string;
  recordIds: number[];
  recordCount: number;
  requestId: string;
  correlationId: string | null;
}

export interface AuditFilter {
  limit: number;
  before?: number;
  sub?: string;
  from?: string;
  to?: string;
}

@Injectable()
export class AuditRepository {
  async recordPersonalRead(
    client: PoolClient,
    dataset: string,
    recordIds: number[],
    request: Pick<Caller, 'requestId' | 'correlationId'>,
  ): Promise<void> {
    await client.query('SELECT smartretail.audit_personal_read($1, $2::integer[], $3::uuid, $4)', [
      dataset,
      recordIds,
      request.requestId,
      request.correlationId ?? null,
    ]);
  }

  /** Any other act on personal data (erasure), with its ids only. */
  async recordPersonalAction(
    client: PoolClient,
    action: 'erase',
    dataset: string,
    recordIds: number[],
    request: Pick<Caller, 'requestId' | 'correlationId'>,
  ): Promise<void> {
    await client.query(
      'SELECT smartretail.audit_personal_action($1, $2, $3::integer[], $4::uuid, $5)',
      [action, dataset, recordIds, request.requestId, request.correlationId ?? null],
    );
  }

  /** Newest first; fetches `limit + 1` rows to know whether more follow. */
  async list(client: PoolClient, filter: AuditFilter): Promise<AuditEntry[]> {
    const values: unknown[] = [];
    const bind = (value: unknown): string => {
      values.push(value);
      return `$${values.length}`;
    };
    const where: string[] = [];
    if (filter.before !== undefined) where.push(`audit_id < ${bind(filter.before)}`);
    if (filter.sub !== undefined) where.push(`sub = ${bind(filter.sub)}`);
    if (filter.from !== undefined) where.push(`occurred_at >= ${bind(filter.from)}`);
    if (filter.to !== undefined) where.push(`occurred_at <= ${bind(filter.to)}`);
    const result = await client.query<AuditEntry>(
      `SELECT audit_id::float8 AS "auditId",
              to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "occurredAt",
              action, sub, role, dataset, record_ids AS "recordIds", record_count AS "recordCount",
              request_id AS "requestId", correlation_id AS "correlationId"
         FROM audit_log
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY audit_id DESC
        LIMIT ${bind(filter.limit + 1)}`,
      values,
    );
    return result.rows;
  }
}
