/**
 * `npm run data:generate -- [--out data] [--seed 42] [--clients N] [--magasins N] ...`
 * Writes the eight CSV files with consistent foreign keys. Sizes default to the small sample
 * shipped in data/; the benchmark uses the same generator at scale.
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DATASET_NAMES } from '../catalog/dataset.types';
import { writeSampleFile } from '../sample-data/sample-file-writer';
import { DEFAULT_SAMPLE_SIZES, SampleSizes } from '../sample-data/sample-data-generator';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: 'data' },
      seed: { type: 'string', default: '42' },
      ...Object.fromEntries(DATASET_NAMES.map((name) => [name, { type: 'string' as const }])),
      details: { type: 'string' },
    },
  });
  const sizes: SampleSizes = { ...DEFAULT_SAMPLE_SIZES };
  for (const name of DATASET_NAMES) {
    const given = (values as Record<string, string | undefined>)[name];
    if (given !== undefined) sizes[name] = parsePositive(name, given);
  }
  if (values.details) sizes.details_transactions = parsePositive('details', values.details);
  const seed = parsePositive('seed', values.seed);
  await mkdir(values.out, { recursive: true });
  for (const name of DATASET_NAMES) {
    const file = join(values.out, `${name}.csv`);
    const rows = await writeSampleFile(createWriteStream(file), name, sizes, seed);
    console.log(`${file}: ${rows} rows`);
  }
}

function parsePositive(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${name} must be a positive integer`);
    process.exit(2);
  }
  return n;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
