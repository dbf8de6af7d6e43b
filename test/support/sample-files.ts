/** Generated sample CSV files of any size, in a temporary directory, for tests that need volume. */
import { createWriteStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatasetName } from '../../src/catalog/dataset.types';
import { DEFAULT_SAMPLE_SIZES, SampleSizes } from '../../src/sample-data/sample-data-generator';
import { writeSampleFile } from '../../src/sample-data/sample-file-writer';

export async function sampleFile(
  dataset: DatasetName,
  sizes: Partial<SampleSizes> = {},
  seed = 7,
): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), 'sample-')), `${dataset}.csv`);
  await writeSampleFile(
    createWriteStream(path),
    dataset,
    { ...DEFAULT_SAMPLE_SIZES, ...sizes },
    seed,
  );
  return path;
}
