/**
 * Streams CSV records out of raw bytes without holding the file: detects the character set
 * (UTF-8 with or without BOM, else Windows-1252/Latin-1) and the delimiter (`,` or `;`), then
 * yields each record with the physical line it starts on (the header is line 1).
 */
import { parse } from 'csv-parse';
import { Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import { invalidInput } from '../../common/domain-error';

export type CsvEncoding = 'utf-8' | 'windows-1252';
export type CsvDelimiter = ',' | ';';

export interface CsvFormat {
  encoding: CsvEncoding;
  delimiter: CsvDelimiter;
}

export interface CsvRecord {
  line: number;
  fields: string[];
}

/** Enough bytes to see some accented text before deciding the character set. */
const SNIFF_BYTES = 64 * 1024;

function isUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * Decodes the byte stream to text. The first 64 KiB decide: valid UTF-8 → UTF-8 (a BOM is
 * dropped), else Windows-1252 (a superset of Latin-1's printable range). A file that turns out
 * to be invalid UTF-8 further on is refused rather than silently mangled.
 */
async function* decode(
  source: AsyncIterable<Buffer>,
  format: Partial<CsvFormat>,
): AsyncGenerator<string> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let decoder: TextDecoder | undefined;
  let decodedBytes = 0;
  const decodeChunk = (chunk: Buffer): string => {
    try {
      const text = decoder!.decode(chunk, { stream: true });
      decodedBytes += chunk.length;
      return text;
    } catch {
      throw invalidInput(
        `the file is not valid UTF-8 (invalid bytes after byte ${decodedBytes}); save it as UTF-8 or Windows-1252 throughout`,
      );
    }
  };
  const choose = (): string => {
    const head = Buffer.concat(pending);
    pending = [];
    format.encoding = isUtf8(head) ? 'utf-8' : 'windows-1252';
    decoder = new TextDecoder(format.encoding, { fatal: format.encoding === 'utf-8' });
    return decodeChunk(head);
  };
  for await (const chunk of source) {
    if (decoder) {
      yield decodeChunk(chunk);
      continue;
    }
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes >= SNIFF_BYTES) yield choose();
  }
  if (!decoder) yield choose();
  try {
    yield decoder!.decode();
  } catch {
    throw invalidInput('the file is not valid UTF-8 (it ends in the middle of a character)');
  }
}

/** The delimiter is whichever of `,` and `;` appears more often in the header, outside quotes. */
export function detectDelimiter(text: string): CsvDelimiter {
  let commas = 0;
  let semicolons = 0;
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && ch === ',') commas++;
    else if (!quoted && ch === ';') semicolons++;
  }
  return semicolons > commas ? ';' : ',';
}

function lineBreaks(fields: string[]): number {
  let n = 0;
  for (const field of fields) {
    if (field.indexOf('\n') < 0 && field.indexOf('\r') < 0) continue;
    n += field.replace(/\r\n/g, '\n').replace(/[^\r\n]/g, '').length;
  }
  return n;
}

/** Yields every non-empty record, header first. `format` is filled in once known. */
export async function* readCsvRecords(
  source: AsyncIterable<Buffer>,
  format: Partial<CsvFormat>,
): AsyncGenerator<CsvRecord> {
  const text = decode(source, format);
  let first = await text.next();
  while (!first.done && first.value === '') first = await text.next();
  if (first.done) return;
  format.delimiter = detectDelimiter(first.value.replace(/^\uFEFF/, ''));
  const parser = parse({
    delimiter: format.delimiter,
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: false,
  });
  async function* rest(): AsyncGenerator<string> {
    yield first.value as string;
    yield* text;
  }
  const input = Readable.from(rest());
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);
  let line = 1;
  try {
    for await (const fields of parser as AsyncIterable<string[]>) {
      const start = line;
      line += 1 + lineBreaks(fields);
      if (fields.length === 1 && fields[0].trim() === '') continue;
      yield { line: start, fields };
    }
  } catch (error) {
    if (error instanceof Error && 'code' in error && String(error.code).startsWith('CSV_')) {
      throw invalidInput(`malformed CSV near line ${line}: ${error.message}`);
    }
    throw error;
  }
}
