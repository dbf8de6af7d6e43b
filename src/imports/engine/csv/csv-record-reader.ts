/**
 * Streams CSV records out of raw bytes without holding the file: decodes the text (see
 * csv-text-decoder.ts for how the character set is decided), detects the delimiter (`,`, `;` or
 * tab), then yields each record with the physical line it starts on (the header is line 1).
 */
import { parse } from 'csv-parse';
import { Readable } from 'node:stream';
import { invalidInput } from '../../../common/domain-error';
import { CsvEncoding, decodeCsvText } from './csv-text-decoder';

export type { CsvEncoding } from './csv-text-decoder';
export type CsvDelimiter = ',' | ';' | '\t';

export interface CsvFormat {
  encoding: CsvEncoding;
  delimiter: CsvDelimiter;
}

export interface CsvRecord {
  line: number;
  fields: string[];
}

/**
 * The longest record read. csv-parse buffers a record until it ends, so without a bound an
 * unterminated quote near the top of a 2 GB upload would buffer the whole file in memory.
 */
export const MAX_RECORD_CHARS = 1024 * 1024;

/** The delimiter is whichever of `,`, `;` and tab appears most often in the header, outside quotes. */
export function detectDelimiter(text: string): CsvDelimiter {
  const counts = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && (ch === ',' || ch === ';' || ch === '\t')) counts[ch]++;
  }
  if (counts['\t'] > counts[','] && counts['\t'] > counts[';']) return '\t';
  return counts[';'] > counts[','] ? ';' : ',';
}

function lineBreaks(fields: string[]): number {
  let n = 0;
  for (const field of fields) {
    if (field.indexOf('\n') < 0 && field.indexOf('\r') < 0) continue;
    n += field.replace(/\r\n/g, '\n').replace(/[^\r\n]/g, '').length;
  }
  return n;
}

/**
 * A parse error aborts the file: csv-parse cannot resume after one. The message names the line
 * the broken record starts on (where an unterminated quote opens) and never echoes the data.
 */
function malformed(error: unknown, line: number): unknown {
  if (!(error instanceof Error && 'code' in error)) return error;
  switch (String(error.code)) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return invalidInput(
        `unterminated quote: the quoted field opened on line ${line} never closes; nothing was imported`,
      );
    case 'CSV_MAX_RECORD_SIZE':
      return invalidInput(
        `line ${line}: a record longer than ${MAX_RECORD_CHARS} characters starts here (an unterminated quote, or not a CSV file); nothing was imported`,
      );
    default:
      return String(error.code).startsWith('CSV_')
        ? invalidInput(
            `malformed CSV at line ${line} (${String(error.code)}); nothing was imported`,
          )
        : error;
  }
}

/** Yields every non-empty record, header first. `format` is filled in once known. */
export async function* readCsvRecords(
  source: AsyncIterable<Buffer>,
  format: Partial<CsvFormat>,
  encoding?: CsvEncoding,
): AsyncGenerator<CsvRecord> {
  const text = decodeCsvText(source, (chosen) => (format.encoding = chosen), encoding);
  let first = await text.next();
  while (!first.done && first.value === '') first = await text.next();
  if (first.done) return;
  format.delimiter = detectDelimiter(first.value.replace(/^\uFEFF/, ''));
  // Lines are counted as csv-parse produces records, not as they are consumed: an error ends
  // the stream before the records buffered ahead of it are read, and must name its own line.
  let line = 1;
  const starts: number[] = [];
  const parser = parse({
    delimiter: format.delimiter,
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: false,
    max_record_size: MAX_RECORD_CHARS,
    on_record: (fields: string[]) => {
      starts.push(line);
      line += 1 + lineBreaks(fields);
      return fields;
    },
  });
  async function* rest(): AsyncGenerator<string> {
    yield first.value as string;
    yield* text;
  }
  const input = Readable.from(rest());
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);
  try {
    for await (const fields of parser as AsyncIterable<string[]>) {
      const start = starts.shift()!;
      if (fields.length === 1 && fields[0].trim() === '') continue;
      yield { line: start, fields };
    }
  } catch (error) {
    throw malformed(error, line);
  }
}
