/**
 * The CPU part of an import: bytes in, COPY text for the staging table out (decode, parse,
 * map the header, validate and encode every record; see staging-row-encoder.ts). The same code
 * runs in a worker thread (csv-staging.worker.ts, the default) or on the event loop
 * (IMPORT_WORKERS=false), so both give the same rows, line numbers and rejections.
 */
import type { DatasetSpec } from '../../../catalog/dataset.types';
import { invalidInput } from '../../../common/domain-error';
import { CsvEncoding, CsvFormat, readCsvRecords } from './csv-record-reader';
import { mapHeader, unknownColumnsWarning } from './header-mapping';
import { StagingRowEncoder } from './staging-row-encoder';

/** COPY text handed on at a time: large enough to keep COPY and messages cheap per row. */
export const STAGING_CHUNK_CHARS = 256 * 1024;

export interface StagedFile {
  rowsRead: number;
  parseRejected: number;
  /** True when primary keys only ever increased, which rules out duplicates without a query. */
  keysAscending: boolean;
  warnings: string[];
}

/** Receives each chunk of COPY text and the rows read so far; awaited (back-pressure). */
export type StagingSink = (text: string, rowsRead: number) => Promise<void> | void;

export async function stageCsv(
  spec: DatasetSpec,
  source: AsyncIterable<Buffer>,
  sink: StagingSink,
  encoding?: CsvEncoding,
): Promise<StagedFile> {
  const format: Partial<CsvFormat> = {};
  const records = readCsvRecords(source, format, encoding);
  const header = await records.next();
  if (header.done) throw invalidInput(`${spec.name}: the file is empty (no header line)`);
  const mapping = mapHeader(spec, header.value.fields);
  const warnings = unknownColumnsWarning(spec, mapping.unknown);
  const encoder = new StagingRowEncoder(spec, mapping, header.value.fields, {
    decimalComma: format.delimiter !== ',',
  });
  const staged: StagedFile = { rowsRead: 0, parseRejected: 0, keysAscending: true, warnings };
  let chunk = '';
  let lastKey = -Infinity;
  for await (const record of records) {
    const row = encoder.encode(record.line, record.fields);
    staged.rowsRead++;
    if (row.rejected) staged.parseRejected++;
    else if (row.key <= lastKey) staged.keysAscending = false;
    else lastKey = row.key;
    chunk += row.text;
    if (chunk.length >= STAGING_CHUNK_CHARS) {
      await sink(chunk, staged.rowsRead);
      chunk = '';
    }
  }
  await sink(chunk, staged.rowsRead);
  return staged;
}
