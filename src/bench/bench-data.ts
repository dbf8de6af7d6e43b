/** Generates the benchmark's CSV files with the repository's sample-data generator. */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DATASET_NAMES, DatasetName } from '../catalog/dataset.types';
import { DEFAULT_SAMPLE_SIZES, SampleSizes } from '../sample-data/sample-data-generator';
import { writeSampleFile } from '../sample-data/sample-file-writer';

export const BENCH_SIZES: SampleSizes = {
  ...DEFAULT_SAMPLE_SIZES,
  clients: 200_000,
  magasins: 50,
  produits: 1_000,
  transactions: 200_000,
  details_transactions: 2_000_000,
};

const BENCH_DATASETS: DatasetName[] = [
  'clients',
  'magasins',
  'produits',
  'transactions',
  'details_transactions',
];

export async function generateBenchData(
  dir: string,
): Promise<{ files: Record<DatasetName, string>; rows: Record<DatasetName, number> }> {
  await mkdir(dir, { recursive: true });
  const files = {} as Record<DatasetName, string>;
  const rows = {} as Record<DatasetName, number>;
  for (const name of DATASET_NAMES) {
    files[name] = join(dir, `${name}.csv`);
    rows[name] = 0;
    if (!BENCH_DATASETS.includes(name)) continue;
    rows[name] = await writeSampleFile(createWriteStream(files[name]), name, BENCH_SIZES, 42);
  }
  return { files, rows };
}
