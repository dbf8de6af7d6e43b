/**
 * `npm run data:generate -- [--out data] [--seed 42] [--clients N] [--magasins N] ...`
 * Writes the eight CSV files with consistent foreign keys. Sizes default to the small sample
 * shipped in data/; the benchmark uses the same generator at scale.
 * Exit codes (src/cli/cli-usage.ts): 0 written, 1 failed, 2 usage error.
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DATASET_NAMES } from '../catalog/dataset.types';
import { writeSampleFile } from '../sample-data/sample-file-writer';
import { DEFAULT_SAMPLE_SIZES, SampleSizes } from '../sample-data/sample-data-generator';
import { parseCommandLine, runCli, UsageError } from './cli-usage';

const CLI = {
  name: 'data:generate',
  usage: `usage: npm run data:generate -- [--out DIR] [--seed N] [--<dataset> N]... [--details N]
  --out DIR        where to write the CSV files (default: data)
  --seed N         random seed (default: 42)
  --<dataset> N    rows of that dataset: ${DATASET_NAMES.map((n) => `--${n}`).join(', ')}
  --details N      transaction lines (same as --details_transactions)`,
};

async function main(): Promise<void> {
  const { values } = parseCommandLine(process.argv.slice(2), {
    out: { type: 'string', default: 'data' },
    seed: { type: 'string', default: '42' },
    ...Object.fromEntries(DATASET_NAMES.map((name) => [name, { type: 'string' as const }])),
    details: { type: 'string' },
  });
  const sizes: SampleSizes = { ...DEFAULT_SAMPLE_SIZES };
  for (const name of DATASET_NAMES) {
    const given = (values as Record<string, unknown>)[name] as string | undefined;
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
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer`);
  return n;
}

runCli(CLI, main);
