/**
 * Worker thread entry point: runs stageCsv (csv-staging.ts) on the bytes the event loop sends
 * and posts back COPY chunks, already UTF-8 encoded (transferred, not copied), and the outcome.
 * The event loop only moves buffers; decoding, parsing and validating happen here.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { datasetCatalog } from '../../../catalog/dataset-catalog';
import { DomainError } from '../../../common/domain-error';
import { stageCsv } from './csv-staging';
import type {
  FromStagingWorker,
  SerializedError,
  StagingWorkerData,
  ToStagingWorker,
} from './csv-staging-protocol';

const { dataset, encoding, exitAfterRows } = workerData as StagingWorkerData;
const port = parentPort!;
const post = (message: FromStagingWorker, transfer: ArrayBuffer[] = []) =>
  port.postMessage(message, transfer);

const queue: Buffer[] = [];
let ended = false;
let wake: (() => void) | undefined;
port.on('message', (message: ToStagingWorker) => {
  if (message.type === 'bytes') {
    const { buffer, byteOffset, byteLength } = message.bytes;
    queue.push(Buffer.from(buffer, byteOffset, byteLength));
  } else ended = true;
  wake?.();
});

async function* bytes(): AsyncGenerator<Buffer> {
  for (;;) {
    const next = queue.shift();
    if (next) {
      post({ type: 'consumed' });
      yield next;
    } else if (ended) return;
    else await new Promise<void>((resolve) => (wake = resolve));
  }
}

function send(text: string, rowsRead: number): void {
  const copy = Buffer.from(text, 'utf8');
  // A buffer that owns its memory is handed over; one in Node's shared pool is copied.
  const owned = copy.byteOffset === 0 && copy.byteLength === copy.buffer.byteLength;
  post({ type: 'staged', copy, rowsRead }, owned ? [copy.buffer] : []);
  // The test-only fault hook (see StagingWorkerData): die as a crash would, without a word.
  if (rowsRead >= (exitAfterRows ?? Infinity)) process.exit(70);
}

function serialize(error: unknown): SerializedError {
  if (error instanceof DomainError) {
    return { domain: true, code: error.code, message: error.message, details: error.details };
  }
  const e = error instanceof Error ? error : new Error(String(error));
  return { domain: false, message: e.message, stack: e.stack };
}

stageCsv(datasetCatalog.get(dataset), bytes(), send, encoding).then(
  (staged) => post({ type: 'done', staged }),
  (error: unknown) => post({ type: 'failed', error: serialize(error) }),
);
