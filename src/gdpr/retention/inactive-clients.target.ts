/**
 * Inactivity retention (optional, RETENTION_DAYS_INACTIVE_CLIENTS): clients who bought nothing
 * since the cutoff, and signed up before it, are erased through the erasure path (data key
 * destroyed, tombstone, KPIs whole), a batch at a time, each batch audited as one 'erase' by the
 * retention job. A client signed up on an unknown date counts as signed up long ago.
 */
import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import type { AuditRepository } from '../../audit/audit.repository';
import { internalSubject } from '../../auth/internal-subject';
import type { ClientErasureRepository } from '../client-erasure.repository';
import type { RetentionTarget } from './retention-target';

/**
 * Who the audit trail names for these erasures (request.jwt.claims.sub of the purge): a
 * reserved subject, so no token can make an admin's erasure pass for the job's.
 */
export const RETENTION_ACTOR = internalSubject('retention');

export function inactiveClientsTarget(
  retentionDays: number,
  erasures: ClientErasureRepository,
  audit: AuditRepository,
): RetentionTarget {
  return {
    name: 'inactive_clients',
    retentionDays,
    async purgeBatch(client: PoolClient, cutoff: Date, limit: number): Promise<number> {
      // SKIP LOCKED: a client an import or an erasure is writing is left for the next batch.
      const { rows } = await client.query<{ client_id: number }>(
        `SELECT c.client_id FROM clients c
          WHERE c.erased_at IS NULL
            AND coalesce(c.date_inscription, '-infinity') < $1::date
            AND NOT EXISTS (SELECT 1 FROM transactions t
                             WHERE t.client_id = c.client_id AND t.date_achat >= $1::date)
          ORDER BY c.client_id
          LIMIT $2
          FOR UPDATE OF c SKIP LOCKED`,
        [cutoff.toISOString().slice(0, 10), limit],
      );
      const ids = rows.map((r) => r.client_id);
      if (ids.length) {
        await erasures.eraseLocked(client, ids);
        await audit.recordPersonalAction(client, 'erase', 'clients', ids, {
          requestId: randomUUID(),
          correlationId: 'retention:inactive_clients',
        });
      }
      return ids.length;
    },
  };
}
