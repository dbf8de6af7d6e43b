import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { DatasetName } from '../catalog/dataset.types';
import { csvField, headerLine, sampleRows, SampleSizes } from './sample-data-generator';

/** Streams one dataset's CSV to `out` with back-pressure; resolves with the row count. */
export async function writeSampleFile(
  out: Writable,
  dataset: DatasetName,
  sizes: SampleSizes,
  seed: number,
): Promise<number> {
  let rows = 0;
  let chunk = `${headerLine(dataset)}\n`;
  for (const row of sampleRows(dataset, sizes, seed)) {
    chunk += `${row.map(csvField).join(',')}\n`;
    rows++;
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  return rows;
}
