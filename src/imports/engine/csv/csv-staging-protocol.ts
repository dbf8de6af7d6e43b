/**
 * The messages between the event loop and the CSV staging worker (csv-staging.worker.ts).
 * Byte chunks go in under a credit window (bounded in flight); COPY chunks and the outcome
 * come back in order, so the rows read reported with a chunk are exact.
 */
import type { DatasetName } from '../../../catalog/dataset.types';
import type { DomainErrorCode } from '../../../common/domain-error';
import type { CsvEncoding } from './csv-text-decoder';
import type { StagedFile } from './csv-staging';

export interface StagingWorkerData {
  dataset: DatasetName;
  encoding?: CsvEncoding;
  /** Test-only fault: the worker exits abruptly (code 70) once it has staged this many rows. */
  exitAfterRows?: number;
}

/** To the worker: the file's bytes, then its end. */
export type ToStagingWorker = { type: 'bytes'; bytes: Uint8Array } | { type: 'end' };

/** What may be said of an error thrown in the worker: a domain error whole, others by message. */
export type SerializedError =
  | { domain: true; code: DomainErrorCode; message: string; details?: Record<string, unknown> }
  | { domain: false; message: string; stack?: string };

/** From the worker. `consumed`: one byte chunk was taken off its queue (a credit comes back). */
export type FromStagingWorker =
  | { type: 'consumed' }
  | { type: 'staged'; copy: Uint8Array; rowsRead: number }
  | { type: 'done'; staged: StagedFile }
  | { type: 'failed'; error: SerializedError };
