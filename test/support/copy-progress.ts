/**
 * How a fault test proves it struck mid-write: PostgreSQL reports a COPY into this database that
 * has processed rows (pg_stat_progress_copy). Polled, never a fixed sleep.
 */
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'pg';
import { DEFAULT_SAMPLE_SIZES } from '../../src/sample-data/sample-data-generator';
import { writeSampleFile } from '../../src/sample-data/sample-file-writer';

/** Resolves with the rows the COPY has processed once there are some. */
export async function copyUnderWay(
  client: Client,
  { stillRunning, timeoutMs = 60_000 }: { stillRunning: () => boolean; timeoutMs?: number },
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await client.query<{ n: string | null }>(
      `SELECT max(tuples_processed) AS n FROM pg_stat_progress_copy
       WHERE datname = current_database()`,
    );
    const processed = Number(rows[0].n ?? 0);
    if (processed > 0) return processed;
    if (!stillRunning()) throw new Error('the import ended before its COPY was seen under way');
    if (Date.now() > deadline) throw new Error(`no COPY under way after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A generated clients file large enough that its import lasts seconds, not milliseconds. */
export async function writeLargeClientsFile(dir: string, rows = 60_000): Promise<string> {
  const path = join(dir, 'clients.csv');
  await writeSampleFile(
    createWriteStream(path),
    'clients',
    { ...DEFAULT_SAMPLE_SIZES, clients: rows },
    3,
  );
  return path;
}
