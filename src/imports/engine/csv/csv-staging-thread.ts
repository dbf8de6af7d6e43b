/**
 * Runs stageCsv in a worker thread of its own, one per file, so decoding, parsing and
 * validating a large upload never hold up the HTTP event loop. The event loop only pumps bytes
 * in and writes the worker's COPY chunks out, with bounded memory on both sides:
 *   - at most STAGING_CREDITS byte chunks are sent and not yet taken by the worker;
 *   - a credit comes back only after the COPY chunks produced before it were written (and
 *     drained), so a slow COPY stops the reading of the file instead of piling up its rows.
 * The worker is terminated on every way out (done, refused, COPY failed, interrupted, crashed),
 * and a worker that dies mid-file fails the file with CsvWorkerStoppedError, never hangs it.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DatasetSpec } from '../../../catalog/dataset.types';
import { DomainError } from '../../../common/domain-error';
import type { CsvEncoding } from './csv-text-decoder';
import type { StagedFile } from './csv-staging';
import type {
  FromStagingWorker,
  SerializedError,
  StagingWorkerData,
  ToStagingWorker,
} from './csv-staging-protocol';

/** Byte chunks (64 KiB from a file stream) in flight to the worker, at most. */
const STAGING_CREDITS = 8;
const WORKER_FILE = 'csv-staging.worker.js';
/**
 * Test-only fault hook, read when a worker starts (a jest test's process.env is not the one a
 * worker thread inherits, so it is handed over explicitly). Unset in production.
 */
const EXIT_HOOK = 'SMARTRETAIL_TEST_STAGING_WORKER_EXIT_AFTER_ROWS';

/** The worker thread died before the end of the file: the file fails, nothing of it is kept. */
export class CsvWorkerStoppedError extends Error {
  constructor(how: string, rowsRead: number, cause?: unknown) {
    super(
      `the CSV worker thread ${how} after ${rowsRead} row(s); nothing from this file was kept`,
      { cause },
    );
    this.name = 'CsvWorkerStoppedError';
  }
}

/**
 * The compiled worker script. Beside this module in dist/; when this module is a .ts source
 * (ts-jest), the compiled copy under dist/ (tests build dist first: test/setup/global-setup.mjs).
 */
export function stagingWorkerScript(): string {
  const beside = join(__dirname, WORKER_FILE);
  if (existsSync(beside)) return beside;
  const compiled = resolve(__dirname, '../../../../dist/src/imports/engine/csv', WORKER_FILE);
  if (existsSync(compiled)) return compiled;
  throw new Error(`${WORKER_FILE} not found beside ${__dirname} nor in dist/: run npm run build`);
}

function deserialize(error: SerializedError): Error {
  if (error.domain) return new DomainError(error.code, error.message, error.details);
  const e = new Error(`in the CSV worker thread: ${error.message}`);
  e.stack = error.stack;
  return e;
}

/** A promise that the next call to `fire` resolves. */
function signal(): { wait: () => Promise<void>; fire: () => void } {
  let fire: (() => void) | undefined;
  return {
    wait: () => new Promise<void>((resolve) => (fire = resolve)),
    fire: () => fire?.(),
  };
}

/**
 * Stages `source` in a worker; `write` receives each COPY chunk (awaited: back-pressure).
 * `stopped` rejects when the caller must stop at once (its COPY failed): the worker is ended.
 */
export async function stageInWorker(
  spec: DatasetSpec,
  source: AsyncIterable<Buffer>,
  write: (copy: Buffer, rowsRead: number) => Promise<void>,
  stopped: Promise<never>,
  encoding?: CsvEncoding,
): Promise<StagedFile> {
  const exitAfter = process.env[EXIT_HOOK];
  const data: StagingWorkerData = {
    dataset: spec.name,
    encoding,
    exitAfterRows: exitAfter ? Number(exitAfter) : undefined,
  };
  const worker = new Worker(stagingWorkerScript(), { workerData: data });
  // Never what keeps the process alive: it is terminated on every way out anyway.
  worker.unref();
  let closed = false;
  let rowsRead = 0;
  let fail!: (error: unknown) => void;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => undefined);
  stopped.catch(fail);
  const inbox: FromStagingWorker[] = [];
  const mail = signal();
  const credit = signal();
  let credits = STAGING_CREDITS;
  worker.on('message', (message: FromStagingWorker) => {
    inbox.push(message);
    mail.fire();
  });
  worker.on('error', (error) => fail(new CsvWorkerStoppedError('failed', rowsRead, error)));
  worker.on('exit', (code) => {
    if (!closed) fail(new CsvWorkerStoppedError(`stopped (exit code ${code})`, rowsRead));
  });
  const send = (message: ToStagingWorker, transfer: ArrayBuffer[] = []) =>
    worker.postMessage(message, transfer);

  async function pump(): Promise<void> {
    for await (const chunk of source) {
      if (closed) return;
      while (credits === 0) await Promise.race([credit.wait(), failed]);
      credits--;
      // A copy that owns its memory, handed over: cloning a pooled Buffer copies its whole pool.
      const bytes = new Uint8Array(chunk);
      send({ type: 'bytes', bytes }, [bytes.buffer]);
    }
    if (!closed) send({ type: 'end' });
  }

  async function consume(): Promise<StagedFile> {
    for (;;) {
      const message = inbox.shift();
      if (!message) {
        await Promise.race([mail.wait(), failed]);
        continue;
      }
      switch (message.type) {
        case 'consumed':
          credits++;
          credit.fire();
          break;
        case 'staged':
          rowsRead = message.rowsRead;
          if (message.copy.byteLength) {
            const { buffer, byteOffset, byteLength } = message.copy;
            await Promise.race([
              write(Buffer.from(buffer, byteOffset, byteLength), rowsRead),
              failed,
            ]);
          }
          break;
        case 'done':
          return message.staged;
        case 'failed':
          throw deserialize(message.error);
      }
    }
  }

  pump().catch(fail);
  try {
    return await Promise.race([consume(), failed]);
  } finally {
    closed = true;
    await worker.terminate();
  }
}
