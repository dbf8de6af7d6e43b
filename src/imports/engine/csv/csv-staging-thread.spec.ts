import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { datasetCatalog } from '../../../catalog/dataset-catalog';
import type { DatasetName } from '../../../catalog/dataset.types';
import { stageCsv } from './csv-staging';
import { stageInWorker } from './csv-staging-thread';

const FIXTURES = join(__dirname, '../../../../test/fixtures/csv');

/** The file in chunks of `size` bytes: records, quotes and characters straddle chunks. */
function* chunked(bytes: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function stagedBothWays(file: string, dataset: DatasetName, size: number) {
  const bytes = readFileSync(join(FIXTURES, file));
  const spec = datasetCatalog.get(dataset);
  const onLoop: string[] = [];
  const inWorker: string[] = [];
  const never = new Promise<never>(() => undefined);
  const run = (staging: Promise<unknown>): Promise<unknown> =>
    staging.then(
      (s) => s,
      (error: Error) => ({ refused: error.message }),
    );
  const onLoopOutcome = await run(
    stageCsv(spec, Readable.from(chunked(bytes, size)), (text) => {
      onLoop.push(text);
    }),
  );
  const inWorkerOutcome = await run(
    stageInWorker(
      spec,
      Readable.from(chunked(bytes, size)),
      async (copy) => {
        inWorker.push(copy.toString('utf8'));
        // A slow COPY: the worker must wait for it, not run ahead without bound.
        await new Promise((resolve) => setImmediate(resolve));
      },
      never,
    ),
  );
  return {
    onLoop: { outcome: onLoopOutcome, copy: onLoop.join('') },
    inWorker: { outcome: inWorkerOutcome, copy: inWorker.join('') },
  };
}

describe('staging a CSV file in a worker thread', () => {
  it.each([
    ['ok/clients_bom_crlf.csv', 'clients', 5],
    ['ok/clients_windows1252.csv', 'clients', 3],
    ['not-ok/clients_bad_values.csv', 'clients', 11],
    ['not-ok/clients_invalid_utf8_late.csv', 'clients', 4096],
    ['not-ok/clients_utf16le_bom.csv', 'clients', 7],
    ['not-ok/magasins_quote_in_unquoted_field.csv', 'magasins', 2],
    ['not-ok/clients_unterminated_quote.csv', 'clients', 9],
    ['not-ok/clients_binary_png.csv', 'clients', 64],
  ] as const)(
    'gives %s (%s, in %d-byte chunks) exactly the COPY text and outcome of the event loop',
    async (file, dataset, size) => {
      const { onLoop, inWorker } = await stagedBothWays(file, dataset, size);
      expect(inWorker).toEqual(onLoop);
    },
  );
});
