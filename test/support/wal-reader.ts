/**
 * The write-ahead log a piece of work wrote, as raw bytes, so a test can prove a value never
 * reached disk in clear (a row deleted or rewritten later still sits in the WAL, in its archives
 * and in every replica). Read from the segment files of the embedded test server: its build has
 * no pg_walinspect. A short text value lies in a WAL record byte for byte (heap tuples are not
 * compressed below ~2 kB, and full-page images only with wal_compression, which the reader
 * refuses), so finding a marker in these bytes is finding it on disk.
 */
import { existsSync, openSync, readSync, closeSync } from 'node:fs';
import { join } from 'node:path';

type Query = <T>(sql: string, params?: unknown[]) => Promise<T[]>;

/**
 * The embedded test server's WAL directory, or why the WAL cannot be read from here: with
 * DATABASE_URL the server (and its files) may be on another machine.
 */
export function localWalDir(): { dir: string } | { unreadable: string } {
  if (process.env.DATABASE_URL)
    return { unreadable: 'DATABASE_URL names a server whose WAL files may not be on this machine' };
  const root = process.env.TEST_PG_DIR;
  const dir = root && join(root, 'pg', 'pg_wal');
  if (!dir || !existsSync(dir))
    return { unreadable: 'the embedded test server has no WAL directory here' };
  return { dir };
}

export class WalReader {
  private constructor(
    private readonly dir: string,
    private readonly query: Query,
  ) {}

  /** Refuses settings under which the bytes read would not show what was written. */
  static async open(dir: string, query: Query): Promise<WalReader> {
    const [settings] = await query<{ compression: string; commit: string }>(
      `SELECT current_setting('wal_compression') AS compression,
              current_setting('synchronous_commit') AS commit`,
    );
    // Compressed full-page images would hide a value; an asynchronous commit returns before
    // its records are written, so the bytes read could stop short of them.
    expect(settings).toEqual({ compression: 'off', commit: 'on' });
    return new WalReader(dir, query);
  }

  /** Runs `work` and returns the WAL bytes written from its start to its (committed) end. */
  async during(work: () => Promise<unknown>): Promise<Buffer> {
    const [{ start }] = await this.query<{ start: string }>(
      `SELECT pg_current_wal_insert_lsn()::text AS start`,
    );
    await work();
    // Every transaction of `work` committed synchronously: its records are written up to here.
    const [{ end }] = await this.query<{ end: string }>(`SELECT pg_current_wal_lsn()::text AS end`);
    return this.between(start, end);
  }

  private async between(start: string, end: string): Promise<Buffer> {
    const segments = await this.query<{ file: string; from: number; to: number | null }>(
      `WITH bounds AS (
         SELECT $1::pg_lsn AS lo, $2::pg_lsn AS hi,
                (SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size') AS size
       ), files AS (
         SELECT DISTINCT pg_walfile_name(lsn) AS file
           FROM bounds, LATERAL (
             SELECT lo + (g * size)::numeric AS lsn
               FROM generate_series(0, ((hi - lo) / size)::bigint + 1) g
             UNION ALL SELECT hi) l
          WHERE lsn <= hi
       )
       SELECT file,
              CASE WHEN file = pg_walfile_name(lo) THEN (pg_walfile_name_offset(lo)).file_offset ELSE 0 END AS "from",
              CASE WHEN file = pg_walfile_name(hi) THEN (pg_walfile_name_offset(hi)).file_offset END AS "to"
         FROM files, bounds ORDER BY file`,
      [start, end],
    );
    return Buffer.concat(segments.map((s) => this.read(s.file, s.from, s.to)));
  }

  private read(file: string, from: number, to: number | null): Buffer {
    const fd = openSync(join(this.dir, file), 'r');
    try {
      const size = (to ?? Number.MAX_SAFE_INTEGER) - from;
      const chunks: Buffer[] = [];
      let offset = from;
      for (let left = size; left > 0;) {
        const chunk = Buffer.alloc(Math.min(left, 1 << 20));
        const n = readSync(fd, chunk, 0, chunk.length, offset);
        if (n === 0) break;
        chunks.push(chunk.subarray(0, n));
        offset += n;
        left -= n;
      }
      return Buffer.concat(chunks);
    } finally {
      closeSync(fd);
    }
  }
}
