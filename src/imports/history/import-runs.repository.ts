/**
 * The SQL of the import history. Runs are written as `writer` (the importer's role) and read
 * as whichever role asks; rejections of a dataset with personal data never hold a cell of the
 * file, only its shape (see staging-row-encoder).
 */
import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { DatasetName } from '../../catalog/dataset.types';
import { RoleScopedTransactions } from '../../database/role-scoped-transactions';
import type {
  FailureKind,
  ImportCounts,
  ImportMode,
  ImportRun,
  ImportSource,
  ImportStatus,
  RejectedRow,
} from './import-run';

export const INLINE_REJECTIONS = 100;

/** What is known of a run when it starts: the report's identity fields. */
export type NewRun = Pick<
  ImportRun,
  'id' | 'dataset' | 'source' | 'mode' | 'fileName' | 'sizeBytes' | 'checksum'
>;

/** What the scan needs to know of a file's content before: imported, skip recorded, failed for good. */
export interface PriorOutcome {
  succeeded: boolean;
  skipRecorded: boolean;
  failedForGood: boolean;
  /**
   * Set when the content's latest successful run refused orphans while these parents' files had
   * not loaded: the scan imports it again once they have.
   */
  awaitedParents: DatasetName[] | null;
}

export interface RunOutcome {
  status: Exclude<ImportStatus, 'running'>;
  /** Required when status is failed. */
  failureKind?: FailureKind;
  sizeBytes: number;
  checksum: string | null;
  counts: ImportCounts;
  warnings: string[];
  error?: string;
  awaitedParents?: DatasetName[];
}

interface RunRow {
  id: string;
  dataset: DatasetName;
  source: ImportSource;
  mode: ImportMode;
  file_name: string;
  size_bytes: string;
  checksum: string | null;
  status: ImportStatus;
  started_at: Date;
  finished_at: Date | null;
  duration_seconds: string | null;
  rows_read: string;
  inserted: string;
  updated: string;
  unchanged: string;
  rejected: string;
  warnings: string[];
  error: string | null;
  failure_kind: FailureKind | null;
}

const toReport = (r: RunRow, rejections: RejectedRow[]): ImportRun => ({
  id: r.id,
  dataset: r.dataset,
  source: r.source,
  mode: r.mode,
  fileName: r.file_name,
  sizeBytes: Number(r.size_bytes),
  checksum: r.checksum,
  status: r.status,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  durationSeconds: r.duration_seconds === null ? null : Number(r.duration_seconds),
  counts: {
    rowsRead: Number(r.rows_read),
    inserted: Number(r.inserted),
    updated: Number(r.updated),
    unchanged: Number(r.unchanged),
    rejected: Number(r.rejected),
  },
  warnings: r.warnings,
  rejections,
  ...(r.error ? { error: r.error } : {}),
  ...(r.failure_kind ? { failureKind: r.failure_kind } : {}),
});

const REJECTION_COLUMNS = `line, column_name AS "column", reason, value, value_shape AS "valueShape"`;

const WRITE = { role: 'writer' as const, statementTimeoutMs: 0 };
const READ = { role: 'writer' as const, readOnly: true };

/** $1..$7 of both run inserts: the run as it was announced. */
const runValues = (run: NewRun): unknown[] => [
  run.id,
  run.dataset,
  run.source,
  run.mode,
  shownFileName(run.fileName),
  run.sizeBytes,
  run.checksum,
];

@Injectable()
export class ImportRunsRepository {
  constructor(private readonly tx: RoleScopedTransactions) {}

  /** Committed on its own, so a run is visible as `running` while its file loads. */
  async start(
    run: NewRun,
    status: 'running' | 'skipped' = 'running',
    client?: PoolClient,
  ): Promise<void> {
    await this.write(client, (c) =>
      c.query(
        `INSERT INTO import_runs (id, dataset, source, mode, file_name, size_bytes, checksum, started_at, status,
                                  finished_at, duration_seconds)
         VALUES ($1, $2, $3, $4, $5, $6, $7, clock_timestamp(), $8,
                 CASE WHEN $8 = 'skipped' THEN clock_timestamp() END, CASE WHEN $8 = 'skipped' THEN 0 END)`,
        [...runValues(run), status],
      ),
    );
  }

  /**
   * Pass `inTransaction` to commit the outcome atomically with the data (the file's own
   * transaction); `client` alone runs a transaction of its own on that connection.
   */
  async finish(
    id: string,
    outcome: RunOutcome,
    { inTransaction, client }: { inTransaction?: PoolClient; client?: PoolClient } = {},
  ): Promise<void> {
    const write = (c: PoolClient) =>
      c.query(
        `UPDATE import_runs SET status = $2, size_bytes = $3, checksum = $4, rows_read = $5, inserted = $6,
                updated = $7, unchanged = $8, rejected = $9, warnings = $10::jsonb, error = $11,
                failure_kind = $12, awaited_parents = $13, finished_at = clock_timestamp(),
                duration_seconds = extract(epoch FROM clock_timestamp() - started_at)
         WHERE id = $1`,
        [
          id,
          outcome.status,
          outcome.sizeBytes,
          outcome.checksum,
          outcome.counts.rowsRead,
          outcome.counts.inserted,
          outcome.counts.updated,
          outcome.counts.unchanged,
          outcome.counts.rejected,
          JSON.stringify(outcome.warnings.map(storable)),
          outcome.error === undefined ? null : storable(outcome.error),
          outcome.failureKind ?? null,
          outcome.awaitedParents ?? null,
        ],
      );
    if (inTransaction) await write(inTransaction);
    else await this.write(client, write);
  }

  /** A run that failed before it could start importing (an upload whose body never arrived whole). */
  async recordFailed(run: NewRun, error: string, failureKind: FailureKind): Promise<void> {
    await this.tx.run(WRITE, (c) =>
      c.query(
        `INSERT INTO import_runs (id, dataset, source, mode, file_name, size_bytes, checksum, started_at, status,
                                  finished_at, duration_seconds, error, failure_kind)
         VALUES ($1, $2, $3, $4, $5, $6, $7, clock_timestamp(), 'failed', clock_timestamp(), 0, $8, $9)`,
        [...runValues(run), storable(error), failureKind],
      ),
    );
  }

  private write<T>(client: PoolClient | undefined, work: (c: PoolClient) => Promise<T>) {
    return client ? this.tx.runOn(client, WRITE, work) : this.tx.run(WRITE, work);
  }

  /**
   * Only the holder of the dataset's import lock calls this, on the lock's connection: no other
   * import of the dataset can be running (a run is recorded only once its lock is held), so a
   * run still marked `running` belongs to a process that died mid-file (its data was rolled
   * back with its transaction).
   */
  async failInterrupted(dataset: DatasetName, client: PoolClient): Promise<number> {
    return this.write(client, async (c) => {
      const result = await c.query(
        `UPDATE import_runs SET status = 'failed', error = 'interrupted', failure_kind = 'interrupted',
                finished_at = clock_timestamp(),
                duration_seconds = extract(epoch FROM clock_timestamp() - started_at),
                rows_read = 0, inserted = 0, updated = 0, unchanged = 0, rejected = 0
         WHERE status = 'running' AND dataset = $1`,
        [dataset],
      );
      return result.rowCount ?? 0;
    });
  }

  /**
   * A failure for good is the input's fault or a bug it triggers: the same bytes would fail the
   * same way. Outages and interruptions are not: that content is tried again.
   */
  async priorOutcome(dataset: DatasetName, checksum: string): Promise<PriorOutcome> {
    return this.tx.run(READ, async (c) => {
      const r = await c.query<PriorOutcome>(
        `SELECT coalesce(bool_or(status = 'succeeded'), false) AS "succeeded",
                coalesce(bool_or(status = 'skipped'), false) AS "skipRecorded",
                coalesce(bool_or(status = 'failed' AND failure_kind IN ('input', 'internal')), false)
                  AS "failedForGood",
                (SELECT awaited_parents FROM import_runs
                  WHERE dataset = $1 AND checksum = $2 AND status = 'succeeded'
                  ORDER BY finished_at DESC LIMIT 1) AS "awaitedParents"
           FROM import_runs WHERE dataset = $1 AND checksum = $2`,
        [dataset, checksum],
      );
      return r.rows[0];
    });
  }

  async findOne(id: string, client?: PoolClient): Promise<ImportRun | undefined> {
    const read = async (c: PoolClient) => {
      const run = await c.query<RunRow>(`SELECT * FROM import_runs WHERE id = $1`, [id]);
      if (!run.rowCount) return undefined;
      const rejections = await c.query<RejectedRow>(
        `SELECT ${REJECTION_COLUMNS} FROM import_rejections
         WHERE run_id = $1 ORDER BY line LIMIT ${INLINE_REJECTIONS}`,
        [id],
      );
      return toReport(run.rows[0], rejections.rows.map(withoutNulls));
    };
    return client ? this.tx.runOn(client, READ, read) : this.tx.run(READ, read);
  }

  async list(limit: number, offset: number): Promise<{ total: number; items: ImportRun[] }> {
    return this.tx.run(READ, async (c) => {
      const total = await c.query<{ n: string }>(`SELECT count(*) AS n FROM import_runs`);
      const runs = await c.query<RunRow>(
        `SELECT * FROM import_runs ORDER BY started_at DESC, id LIMIT $1 OFFSET $2`,
        [limit, offset],
      );
      return { total: Number(total.rows[0].n), items: runs.rows.map((r) => toReport(r, [])) };
    });
  }

  /** Streams every rejection of a run, in line order, in pages (a run may have millions). */
  async eachRejectionPage(
    id: string,
    onPage: (rows: RejectedRow[]) => Promise<void> | void,
  ): Promise<void> {
    const page = 10_000;
    let after = 0;
    for (;;) {
      const rows = await this.tx.run(
        READ,
        async (c) =>
          (
            await c.query<RejectedRow>(
              `SELECT ${REJECTION_COLUMNS} FROM import_rejections
             WHERE run_id = $1 AND line > $2 ORDER BY line LIMIT ${page}`,
              [id, after],
            )
          ).rows,
      );
      if (!rows.length) return;
      await onPage(rows.map(withoutNulls));
      after = rows[rows.length - 1].line;
      if (rows.length < page) return;
    }
  }
}

/**
 * PostgreSQL text cannot hold NUL, and a message may quote a header read from a binary or
 * UTF-16 file: shown as U+FFFD, so recording the run's outcome can never fail on its text.
 */
const storable = (text: string): string => text.replace(/\0/g, '\uFFFD');

// eslint-disable-next-line no-control-regex -- finding control characters is the point here
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;

/**
 * A file name as the history keeps it: an uploaded name is the client's choice, and a newline or
 * an escape sequence in it would forge lines or colours wherever the history is shown. Control
 * characters become their visible pictures (U+2400..U+241F, U+2421).
 */
export const shownFileName = (name: string): string =>
  name.replace(CONTROL_CHARACTERS, (c) =>
    c === '\u007f' ? '\u2421' : String.fromCharCode(0x2400 + c.charCodeAt(0)),
  );

/** `value` and `valueShape` are absent, not null, when a rejection has none (the API's shape). */
function withoutNulls(r: RejectedRow): RejectedRow {
  const { value, valueShape, ...rest } = r;
  return {
    ...rest,
    ...(value === null || value === undefined ? {} : { value }),
    ...(valueShape === null || valueShape === undefined ? {} : { valueShape }),
  };
}
