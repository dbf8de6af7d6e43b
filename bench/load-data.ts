/**
 * The data behind the load test, all from the repository's sample generator: the eight files the
 * service imports at start-up (`scale` times the size of data/), the e-mail addresses the lookups
 * ask for, and the small clients files the uploads send.
 */
import { datasetCatalog } from '../src/catalog/dataset-catalog';
import { DATASET_NAMES } from '../src/catalog/dataset.types';
import {
  csvField,
  DEFAULT_SAMPLE_SIZES,
  headerLine,
  sampleRows,
  SampleSizes,
} from '../src/sample-data/sample-data-generator';
import { writeSampleFiles } from './bench-data';

const SEED = 42;
/** Each upload rewrites clients 1..UPLOAD_ROWS; the lookups ask only for clients above. */
export const UPLOAD_ROWS = 100;
const LOOKUP_ADDRESSES = 1000;

export interface LoadData {
  /** The directory the service imports at start-up (IMPORT_DIR). */
  dir: string;
  sizes: SampleSizes;
  /** Addresses of loaded clients that no upload changes. */
  emails: string[];
  /** Two versions of the same clients, so that every upload really updates rows. */
  uploads: [string, string];
}

export function loadSizes(scale: number): SampleSizes {
  const sizes = { ...DEFAULT_SAMPLE_SIZES };
  for (const name of DATASET_NAMES) sizes[name] = DEFAULT_SAMPLE_SIZES[name] * scale;
  return sizes;
}

export async function prepareLoadData(dir: string, scale: number): Promise<LoadData> {
  const sizes = loadSizes(scale);
  if (sizes.clients <= UPLOAD_ROWS) {
    throw new Error(`the load data needs more than ${UPLOAD_ROWS} clients (scale >= 1)`);
  }
  await writeSampleFiles(dir, sizes, DATASET_NAMES, SEED);
  return {
    dir,
    sizes,
    emails: lookupEmails(sizes),
    uploads: [uploadCsv(SEED + 1), uploadCsv(SEED + 2)],
  };
}

/** Up to LOOKUP_ADDRESSES addresses, spread evenly over the clients no upload touches. */
function lookupEmails(sizes: SampleSizes): string[] {
  const column = datasetCatalog.get('clients').columns.findIndex((c) => c.name === 'email');
  const untouched = sizes.clients - UPLOAD_ROWS;
  const step = Math.max(1, Math.floor(untouched / LOOKUP_ADDRESSES));
  const emails: string[] = [];
  let id = 0;
  for (const row of sampleRows('clients', sizes, SEED)) {
    id++;
    if (id > UPLOAD_ROWS && (id - UPLOAD_ROWS) % step === 0) emails.push(String(row[column]));
  }
  return emails.slice(0, LOOKUP_ADDRESSES);
}

function uploadCsv(seed: number): string {
  const sizes = { ...DEFAULT_SAMPLE_SIZES, clients: UPLOAD_ROWS };
  const lines = [headerLine('clients')];
  for (const row of sampleRows('clients', sizes, seed)) lines.push(row.map(csvField).join(','));
  return `${lines.join('\n')}\n`;
}
