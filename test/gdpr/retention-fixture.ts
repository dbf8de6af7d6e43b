/**
 * Import runs, rejected rows and audit entries on both sides of a retention cutoff, written as
 * the owner (the only way to give them an old timestamp), for the retention purge's tests.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';

export const MS = 1;
export const DAY_MS = 86_400_000;

export interface PlantedRun {
  id: string;
  startedAt: Date;
  status: 'succeeded' | 'running';
  rejections: number;
}

export async function plantRun(
  c: Client,
  startedAt: Date,
  rejections: number,
  status: PlantedRun['status'] = 'succeeded',
): Promise<PlantedRun> {
  const id = randomUUID();
  await c.query(
    `INSERT INTO import_runs (id, dataset, source, mode, file_name, started_at, finished_at, status,
                              rows_read, rejected)
     VALUES ($1, 'clients', 'cli', 'default', 'clients.csv', $2, $2, $3, $4, $4)`,
    [id, startedAt.toISOString(), status, status === 'running' ? 0 : rejections],
  );
  await c.query(
    `INSERT INTO import_rejections (run_id, line, column_name, reason, value)
     SELECT $1, g + 1, 'email', 'not an e-mail address', '[redacted]'
       FROM generate_series(1, $2::int) g`,
    [id, rejections],
  );
  return { id, startedAt, status, rejections };
}

/** Audit entries at the given instants; returns their audit ids in the same order. */
export async function plantAuditEntries(c: Client, instants: Date[]): Promise<number[]> {
  const { rows } = await c.query<{ audit_id: string }>(
    `INSERT INTO audit_log (occurred_at, sub, role, dataset, record_ids, record_count, request_id)
     SELECT t, 'auditor', 'admin', 'clients', '{1}', 1, gen_random_uuid()::text
       FROM unnest($1::timestamptz[]) WITH ORDINALITY AS u(t, n)
      ORDER BY n
     RETURNING audit_id`,
    [instants.map((d) => d.toISOString())],
  );
  return rows.map((r) => Number(r.audit_id));
}
