/** Generates the benchmarks' CSV files with the repository's sample-data generator. */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DATASET_NAMES, DatasetName } from '../src/catalog/dataset.types';
import { DEFAULT_SAMPLE_SIZES, SampleSizes } from '../src/sample-data/sample-data-generator';
import { writeSampleFile } from '../src/sample-data/sample-file-writer';

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

export interface SampleFiles {
  /** One path per dataset (`<dir>/<dataset>.csv`), written or not. */
  files: Record<DatasetName, string>;
  /** Rows written per dataset (0 for datasets left out). */
  rows: Record<DatasetName, number>;
}

/** Writes `<dir>/<dataset>.csv` for each of `datasets`, deterministic for a seed. */
export async function writeSampleFiles(
  dir: string,
  sizes: SampleSizes,
  datasets: readonly DatasetName[] = DATASET_NAMES,
  seed = 42,
): Promise<SampleFiles> {
  await mkdir(dir, { recursive: true });
  const files = {} as Record<DatasetName, string>;
  const rows = {} as Record<DatasetName, number>;
  for (const name of DATASET_NAMES) {
    files[name] = join(dir, `${name}.csv`);
    rows[name] = 0;
    if (!datasets.includes(name)) continue;
    rows[name] = await writeSampleFile(createWriteStream(files[name]), name, sizes, seed);
  }
  return { files, rows };
}

export const generateBenchData = (dir: string): Promise<SampleFiles> =>
  writeSampleFiles(dir, BENCH_SIZES, BENCH_DATASETS);
