/**
 * Runs imports, whatever the way in (upload, schedule, CLI): takes the import lock, records the
 * run, loads the file in one `writer` transaction (the key is only passed to that transaction;
 * encryption happens in the database trigger), records the outcome and publishes it.
 */
import { Injectable, Logger } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import type { DatasetSpec } from '../catalog/dataset.types';
import { DomainError, invalidInput } from '../common/domain-error';
import { RoleScopedTransactions, TransactionScope } from '../database/role-scoped-transactions';
import { CsvFileLoader, LoadOutcome } from './csv-file-loader';
import { ImportLock } from './import-lock';
import type { ImportCounts, ImportMode, ImportReport, ImportSource } from './import-report';
import { ImportRunEvents } from './import-run-events';
import { ImportRunsRepository } from './import-runs.repository';

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
  /** Throws when the content turned out incomplete (an upload cut at the size limit). */
  assertComplete?: () => void;
  onProgress?: (progress: ImportProgress) => void;
}

export interface ImportResult {
  report: ImportReport;
  /** Why the run failed, when the input (not the service) is to blame: maps to a 4xx. */
  failure?: DomainError;
}

/** A file may take minutes (no statement timeout); shutdown rolls it back as `interrupted`. */
const FILE_TRANSACTION: TransactionScope = {
  role: 'writer',
  statementTimeoutMs: 0,
  interruptible: true,
};

const ZERO: ImportCounts = { rowsRead: 0, inserted: 0, updated: 0, unchanged: 0, rejected: 0 };

/** PostgreSQL data exceptions (22) and integrity violations (23) are the input's fault. */
const isDataError = (e: unknown): e is Error & { code: string } =>
  e instanceof Error && 'code' in e && /^2[23]/.test(String((e as { code: unknown }).code));

@Injectable()
export class ImportService {
  private readonly logger = new Logger('Imports');

  constructor(
    private readonly tx: RoleScopedTransactions,
    private readonly runs: ImportRunsRepository,
    private readonly lock: ImportLock,
    private readonly events: ImportRunEvents,
  ) {}

  /** Waits for the import lock, then imports. */
  async importContent(request: ImportRequest): Promise<ImportResult> {
    return this.lock.withLock(async () => {
      await this.recoverInterrupted();
      return this.importLocked(request);
    });
  }

  /** For callers already holding the import lock (the directory scan). */
  async recoverInterrupted(): Promise<void> {
    const n = await this.runs.failInterrupted();
    if (n)
      this.logger.warn(`Marked ${n} interrupted run(s) as failed (their data was rolled back)`);
  }

  async importLocked(request: ImportRequest): Promise<ImportResult> {
    const id = randomUUID();
    const { dataset, mode } = request;
    const measured = { bytes: 0, hash: createHash('sha256'), rows: 0 };
    await this.runs.start({
      id,
      dataset: dataset.name,
      source: request.source,
      mode,
      fileName: request.fileName,
      sizeBytes: 0,
      checksum: null,
    });
    const content = this.measure(request, measured);
    let failure: DomainError | undefined;
    try {
      // One transaction per file: the data and the run's outcome commit together or not at all.
      await this.tx.run(FILE_TRANSACTION, async (client) => {
        const outcome = await new CsvFileLoader(client, dataset, id).load(content, mode, (p) => {
          measured.rows = p.rows;
        });
        request.assertComplete?.();
        this.logger.debug(`${request.fileName}: ${JSON.stringify(outcome.phases)}`);
        if (outcome.atomicRefusal) failure = invalidInput(outcome.atomicRefusal, { importId: id });
        await this.runs.finish(id, this.outcome(outcome, measured), client);
      });
    } catch (error) {
      failure = this.asInputFailure(error, id);
      const reason = failure?.message ?? 'unexpected error (see the service log)';
      if (!failure)
        this.logger.error(`Import ${id} of ${request.fileName} failed`, (error as Error).stack);
      await this.runs.finish(id, {
        status: 'failed',
        sizeBytes: measured.bytes,
        checksum: null,
        counts: ZERO,
        warnings: [],
        error: reason,
      });
      if (!failure) {
        await this.publish(id);
        throw error;
      }
    }
    return { report: await this.publish(id), failure };
  }

  /** Records (and publishes) a run that did not need to happen: same content as a succeeded one. */
  async recordSkipped(
    dataset: DatasetSpec,
    fileName: string,
    sizeBytes: number,
    checksum: string,
  ): Promise<ImportReport> {
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

  private outcome(
    outcome: LoadOutcome,
    measured: { bytes: number; hash: ReturnType<typeof createHash> },
  ) {
    return {
      status: outcome.atomicRefusal ? ('failed' as const) : ('succeeded' as const),
      sizeBytes: measured.bytes,
      checksum: measured.hash.copy().digest('hex'),
      counts: outcome.counts,
      warnings: outcome.warnings,
      error: outcome.atomicRefusal,
    };
  }

  private async *measure(
    request: ImportRequest,
    measured: { bytes: number; hash: ReturnType<typeof createHash>; rows: number },
  ): AsyncGenerator<Buffer> {
    for await (const chunk of request.content) {
      measured.bytes += chunk.length;
      measured.hash.update(chunk);
      request.onProgress?.({ rows: measured.rows, bytes: measured.bytes });
      yield chunk;
    }
  }

  private asInputFailure(error: unknown, id: string): DomainError | undefined {
    if (error instanceof DomainError) {
      return new DomainError(error.code, error.message, { ...error.details, importId: id });
    }
    // Messages of data errors name columns and constraints; the trigger's never echo values.
    if (isDataError(error)) {
      return invalidInput(`the database refused the file: ${error.message}`, { importId: id });
    }
    return undefined;
  }

  private async publish(id: string): Promise<ImportReport> {
    const report = await this.runs.findOne(id);
    if (!report) throw new Error(`import run ${id} vanished`);
    this.events.publishFinished(report);
    return report;
  }
}
