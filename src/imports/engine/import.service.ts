/**
 * Runs imports, whatever the way in (upload, schedule, CLI): waits for its turn (ImportLock: this
 * instance's queue, then the dataset's lock across instances), records the run, loads the file in
 * one `writer` transaction (the key is only passed to that transaction; encryption happens in
 * the database trigger), records the outcome and publishes it. Every path out of a started run
 * records an outcome: in the file's transaction, after it, or, when the database is gone,
 * as soon as it is back (RunOutcomeRecorder).
 */
import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import type { Caller } from '../../auth/caller';
import type { DatasetName, DatasetSpec } from '../../catalog/dataset.types';
import { DomainError, DomainErrorCode, invalidInput } from '../../common/domain-error';
import { withTimeout } from '../../common/with-timeout';
import { AppConfig } from '../../config/app-config';
import { isDatabaseUnavailable, isDiskFull } from '../../database/database-unavailable';
import { RoleScopedTransactions, TransactionScope } from '../../database/role-scoped-transactions';
import { isInterrupted, TransactionInterrupter } from '../../database/transaction-interrupter';
import { ContentChangedError } from './content-changed.error';
import { CsvWorkerStoppedError } from './csv/csv-staging-thread';
import type { CsvEncoding } from './csv/csv-text-decoder';
import { CsvFileLoader, LoadOutcome } from './csv-file-loader';
import { databaseRefusal } from './database-refusal';
import { ImportDiskGuard } from './import-disk-guard';
import { ImportLock } from './import-lock';
import type {
  FailureKind,
  ImportCounts,
  ImportMode,
  ImportRun,
  ImportSource,
} from '../history/import-run';
import { ImportRunEvents } from '../history/import-run-events';
import { ImportRunsRepository, RunOutcome } from '../history/import-runs.repository';
import { RunOutcomeRecorder } from '../history/run-outcome-recorder';

export interface ImportProgress {
  rows: number;
  bytes: number;
}

export interface ImportRequest {
  dataset: DatasetSpec;
  source: ImportSource;
  mode: ImportMode;
  fileName: string;
  content: AsyncIterable<Buffer>;
  /** The file's character set when the caller knows it; else decided from the bytes. */
  encoding?: CsvEncoding;
  /**
   * Rows of erased subjects are loaded again instead of rejected: an admin's explicit choice,
   * audited as a reinstatement under this caller (the database allows it to admin alone).
   */
  reinstatedBy?: Caller;
  /** The file's size when known before reading: weighed against the free disk (507). */
  sizeBytes?: number;
  /** Known before reading (the scan hashes files first): kept on the run even if it fails. */
  checksum?: string;
  /**
   * Parent datasets whose file did not load in the same scan. Rows refused as orphans then say
   * nothing final about this content: the run records it as awaiting them (see ScanProgress).
   */
  unloadedParents?: DatasetName[];
  onProgress?: (progress: ImportProgress) => void;
}

export interface ImportResult {
  report: ImportRun;
  /** Why the run failed, when the input (not the service) is to blame: maps to a 4xx. */
  failure?: DomainError;
  /** The parents whose loading this content waits for, when orphans were refused meanwhile. */
  awaitedParents?: DatasetName[];
}

const ZERO_COUNTS: ImportCounts = {
  rowsRead: 0,
  inserted: 0,
  updated: 0,
  unchanged: 0,
  rejected: 0,
};

/** Bounds the wait for interrupted runs to be recorded at shutdown. */
const SHUTDOWN_BOOKKEEPING_MS = 10_000;

/** A file may take minutes (no statement timeout); shutdown rolls it back as `interrupted`. */
const FILE_TRANSACTION: TransactionScope = {
  role: 'writer',
  statementTimeoutMs: 0,
  interruptible: true,
};

/** PostgreSQL data exceptions (22) and integrity violations (23) are the input's fault. */
const isDataError = (e: unknown): e is Error & { code: string } =>
  e instanceof Error && 'code' in e && /^2[23]/.test(String((e as { code: unknown }).code));

interface Measured {
  bytes: number;
  hash: ReturnType<typeof createHash>;
  rows: number;
}

@Injectable()
export class ImportService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Imports');
  private readonly inFlight = new Set<Promise<ImportResult>>();

  constructor(
    private readonly tx: RoleScopedTransactions,
    private readonly runs: ImportRunsRepository,
    private readonly lock: ImportLock,
    private readonly events: ImportRunEvents,
    private readonly recorder: RunOutcomeRecorder,
    private readonly interrupter: TransactionInterrupter,
    private readonly disk: ImportDiskGuard,
    private readonly config: AppConfig,
  ) {}

  /**
   * Waits for the import's turn, then imports. Throws a 503 DomainError when the turn does not
   * come in time or the database is unavailable, a 507 when the disk is too full for it (no run
   * is recorded: nothing was tried); input failures come back in `failure`.
   */
  async importContent(request: ImportRequest): Promise<ImportResult> {
    const running = this.queuedImport(request);
    this.inFlight.add(running);
    try {
      return await running;
    } finally {
      this.inFlight.delete(running);
    }
  }

  /**
   * Shutdown: roll back the files in progress, then wait (bounded) until their runs are recorded
   * as interrupted, so nothing closes the pool under that bookkeeping.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.interrupter.interruptAll();
    await withTimeout(Promise.allSettled([...this.inFlight]), SHUTDOWN_BOOKKEEPING_MS).catch(() =>
      this.logger.warn('Shutting down before every interrupted import run could be recorded'),
    );
  }

  private queuedImport(request: ImportRequest): Promise<ImportResult> {
    return this.lock.withDatasetTurn(request.dataset.name, async (client) => {
      await this.disk.assertRoom(request.sizeBytes);
      return this.importHoldingLock(client, request);
    });
  }

  private async importHoldingLock(
    client: PoolClient,
    request: ImportRequest,
  ): Promise<ImportResult> {
    const id = randomUUID();
    const { dataset, mode } = request;
    const measured: Measured = { bytes: 0, hash: createHash('sha256'), rows: 0 };
    await this.runs.start(
      {
        id,
        dataset: dataset.name,
        source: request.source,
        mode,
        fileName: request.fileName,
        sizeBytes: 0,
        checksum: request.checksum ?? null,
      },
      'running',
      client,
    );
    let failure: DomainError | undefined;
    let awaitedParents: DatasetName[] | undefined;
    try {
      // One transaction per file: the data and the run's outcome commit together or not at all.
      const reinstatedBy = request.reinstatedBy;
      // The audit of a reinstatement reads who asked from the transaction's claims.
      const scope = reinstatedBy
        ? { ...FILE_TRANSACTION, claims: reinstatedBy.claims }
        : FILE_TRANSACTION;
      await this.tx.runOn(client, scope, async (c) => {
        const loader = new CsvFileLoader(c, dataset, id, {
          workers: this.config.importWorkers,
        });
        // The loader counts rows as it parses: report them now, not with the next chunk read
        // (the last report would otherwise show the rows before the file's last chunk).
        const outcome = await loader.load(
          this.measure(request, measured),
          mode,
          (p) => {
            measured.rows = p.rows;
            request.onProgress?.({ rows: measured.rows, bytes: measured.bytes });
          },
          request.encoding,
          {
            reinstate: reinstatedBy && {
              requestId: reinstatedBy.requestId,
              correlationId: reinstatedBy.correlationId,
            },
          },
        );
        this.logger.debug(`${request.fileName}: ${JSON.stringify(outcome.phases)}`);
        if (outcome.atomicRefusal) failure = invalidInput(outcome.atomicRefusal, { importId: id });
        const result = this.outcome(outcome, measured, request.unloadedParents);
        awaitedParents = result.awaitedParents;
        await this.runs.finish(id, result, { inTransaction: c });
      });
    } catch (error) {
      return this.failed(id, request, measured, error, client);
    }
    return { report: await this.publish(id, client), failure, awaitedParents };
  }

  private async failed(
    id: string,
    request: ImportRequest,
    measured: Measured,
    error: unknown,
    client: PoolClient,
  ): Promise<ImportResult> {
    const kind = failureKind(error);
    const failure = kind === 'input' ? this.asInputFailure(request.dataset, error, id) : undefined;
    if (kind === 'internal')
      this.logger.error(`Import ${id} of ${request.fileName} failed`, (error as Error).stack);
    const outcome: RunOutcome = {
      status: 'failed',
      failureKind: kind,
      sizeBytes: measured.bytes,
      // Bytes read from a file that was changing are no content: keep no checksum, so the file
      // is tried again once it has settled instead of being known as failed for good.
      checksum: error instanceof ContentChangedError ? null : (request.checksum ?? null),
      counts: ZERO_COUNTS,
      warnings: [],
      error:
        failure?.message ??
        // A stopped worker's message holds no data (a row count), and says what happened.
        (kind === 'unavailable' || kind === 'interrupted' || error instanceof CsvWorkerStoppedError
          ? (error as Error).message
          : 'unexpected error (see the service log)'),
    };
    // Shutdown terminated the file's session: its outcome goes through another connection.
    const recordOn = kind === 'interrupted' ? undefined : client;
    try {
      if (kind === 'unavailable') throw error;
      await this.runs.finish(id, outcome, { client: recordOn });
    } catch (recordError) {
      if (!isDatabaseUnavailable(recordError) && !isDiskFull(recordError)) throw recordError;
      // The database is gone or full (or went while recording): record the outcome when it can.
      this.recorder.recordLater(id, outcome);
      throw recordError;
    }
    const report = await this.publish(id, recordOn);
    // An interrupted run reports like a refused one (the caller answers 503 with its report).
    if (kind === 'interrupted') return { report, failure: error as DomainError };
    if (!failure) throw error;
    return { report, failure };
  }

  /** Records (and publishes) a run that did not need to happen: same content as a succeeded one. */
  async recordSkipped(
    dataset: DatasetSpec,
    fileName: string,
    sizeBytes: number,
    checksum: string,
  ): Promise<ImportRun> {
    const id = randomUUID();
    await this.runs.start(
      {
        id,
        dataset: dataset.name,
        source: 'schedule',
        mode: 'default',
        fileName,
        sizeBytes,
        checksum,
      },
      'skipped',
    );
    return this.publish(id);
  }

  /** Records a run that failed before its import could start (an upload cut short). */
  async recordFailedUpload(
    request: Pick<ImportRequest, 'dataset' | 'mode' | 'fileName'>,
    sizeBytes: number,
    error: DomainError,
  ): Promise<void> {
    const id = randomUUID();
    const kind: FailureKind = error.code === DomainErrorCode.RequestTimeout ? 'timeout' : 'input';
    try {
      await this.runs.recordFailed(
        {
          id,
          dataset: request.dataset.name,
          source: 'upload',
          mode: request.mode,
          fileName: request.fileName,
          sizeBytes,
          checksum: null,
        },
        error.message,
        kind,
      );
      await this.publish(id);
    } catch (recordError) {
      this.logger.warn(
        `Could not record the failed upload of ${request.fileName}: ${(recordError as Error).message}`,
      );
    }
  }

  private outcome(
    outcome: LoadOutcome,
    measured: Measured,
    unloadedParents: DatasetName[] = [],
  ): RunOutcome {
    const succeeded = !outcome.atomicRefusal;
    const awaitedParents =
      succeeded && outcome.orphaned > 0 && unloadedParents.length ? unloadedParents : undefined;
    const warnings = awaitedParents
      ? [
          ...outcome.warnings,
          `${outcome.orphaned} row(s) refused as orphans while the file of ${awaitedParents.join(', ')} had not loaded: this content is imported again once it has`,
        ]
      : outcome.warnings;
    return {
      status: succeeded ? 'succeeded' : 'failed',
      failureKind: succeeded ? undefined : 'input',
      sizeBytes: measured.bytes,
      checksum: measured.hash.copy().digest('hex'),
      counts: outcome.counts,
      warnings,
      error: outcome.atomicRefusal,
      awaitedParents,
    };
  }

  private async *measure(request: ImportRequest, measured: Measured): AsyncGenerator<Buffer> {
    for await (const chunk of request.content) {
      measured.bytes += chunk.length;
      measured.hash.update(chunk);
      request.onProgress?.({ rows: measured.rows, bytes: measured.bytes });
      yield chunk;
    }
  }

  private asInputFailure(spec: DatasetSpec, error: unknown, id: string): DomainError {
    if (error instanceof DomainError) {
      return new DomainError(error.code, error.message, { ...error.details, importId: id });
    }
    return invalidInput(databaseRefusal(spec, error as Error), { importId: id });
  }

  /** Pass the import's connection: an import never holds a second one. */
  private async publish(id: string, client?: PoolClient): Promise<ImportRun> {
    const report = await this.runs.findOne(id, client);
    if (!report) throw new Error(`import run ${id} vanished`);
    this.events.publishFinished(report);
    return report;
  }
}

function failureKind(error: unknown): FailureKind {
  if (isInterrupted(error)) return 'interrupted';
  // Out of disk, the database could not store the file: it is recorded once it can write again.
  if (isDatabaseUnavailable(error) || isDiskFull(error)) return 'unavailable';
  if (error instanceof DomainError || isDataError(error)) return 'input';
  return 'internal';
}
