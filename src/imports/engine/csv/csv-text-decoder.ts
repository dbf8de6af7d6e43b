/**
 * Turns a file's bytes into text, deciding the character set on evidence rather than on a guess:
 *   1. an explicit encoding (`?encoding=` / `--encoding`) wins;
 *   2. else a byte order mark: UTF-8, UTF-16LE or UTF-16BE;
 *   3. else the first 64 KiB: no invalid UTF-8 → UTF-8; valid multi-byte UTF-8 sequences at least
 *      as many as invalid bytes → UTF-8 with some bad bytes; otherwise Windows-1252.
 * Decoding is never fatal: bytes that are not valid in the chosen encoding become U+FFFD, and the
 * row encoder rejects the rows holding one, with their line numbers, so one bad row neither
 * refuses the file nor makes the valid rows be re-read in another character set.
 * Content that is not text at all (an archive, an image, random bytes) is refused up front.
 */
import { TextDecoder } from 'node:util';
import { invalidInput } from '../../../common/domain-error';

export const CSV_ENCODINGS = ['utf-8', 'windows-1252', 'utf-16le', 'utf-16be'] as const;
export type CsvEncoding = (typeof CSV_ENCODINGS)[number];

/** Enough bytes to see some accented text before deciding the character set. */
const SNIFF_BYTES = 64 * 1024;
/** Share of control characters (or undecodable bytes) above which the content is not text. */
const MAX_CONTROL_SHARE = 0.05;

const MAGIC: readonly [string, number[]][] = [
  ['a ZIP archive (an .xlsx workbook is one: export it as CSV)', [0x50, 0x4b, 0x03, 0x04]],
  ['an Excel 97-2003 workbook (export it as CSV)', [0xd0, 0xcf, 0x11, 0xe0]],
  ['a gzip archive', [0x1f, 0x8b]],
  ['a PDF document', [0x25, 0x50, 0x44, 0x46, 0x2d]],
  ['a PNG image', [0x89, 0x50, 0x4e, 0x47]],
  ['a JPEG image', [0xff, 0xd8, 0xff]],
  ['a GIF image', [0x47, 0x49, 0x46, 0x38]],
];

const notText = (what: string) =>
  invalidInput(`not a CSV text file: ${what}; nothing was imported`);

/** Is `text` a valid name of an encoding we read? Case and a missing dash are forgiven. */
export function parseCsvEncoding(text: string): CsvEncoding | undefined {
  const name = text
    .trim()
    .toLowerCase()
    .replace(/^utf(?=\d)/, 'utf-');
  const aliases: Record<string, CsvEncoding> = {
    latin1: 'windows-1252',
    'iso-8859-1': 'windows-1252',
    cp1252: 'windows-1252',
  };
  return (CSV_ENCODINGS as readonly string[]).includes(name)
    ? (name as CsvEncoding)
    : aliases[name];
}

function byteOrderMark(head: Buffer): CsvEncoding | undefined {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  return undefined;
}

/** Counts well-formed multi-byte UTF-8 sequences and bytes that cannot start or continue one. */
export function utf8Evidence(bytes: Buffer): { valid: number; invalid: number } {
  let valid = 0;
  let invalid = 0;
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    const more =
      b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    // A sequence cut by the end of the sample is no evidence either way.
    if (more > 0 && i + more >= bytes.length) break;
    let ok = more > 0;
    for (let k = 1; ok && k <= more; k++) ok = (bytes[i + k] & 0xc0) === 0x80;
    if (ok) {
      valid++;
      i += more + 1;
    } else {
      invalid++;
      i++;
    }
  }
  return { valid, invalid };
}

function chooseEncoding(head: Buffer, explicit?: CsvEncoding): CsvEncoding {
  if (explicit) return explicit;
  const bom = byteOrderMark(head);
  if (bom) return bom;
  const { valid, invalid } = utf8Evidence(head);
  return invalid === 0 || (valid > 0 && valid >= invalid) ? 'utf-8' : 'windows-1252';
}

/** C0/C1 controls other than tab, CR, LF, and U+FFFD: rare in text, most of random bytes. */
function controlShare(text: string): number {
  if (!text.length) return 0;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (
      (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) ||
      (c >= 0x7f && c <= 0x9f) ||
      c === 0xfffd
    )
      n++;
  }
  return n / text.length;
}

function refuseBinary(head: Buffer, text: string, encoding: CsvEncoding): void {
  const magic = MAGIC.find(([, bytes]) => bytes.every((b, i) => head[i] === b));
  if (magic) throw notText(magic[0]);
  if (controlShare(text) > MAX_CONTROL_SHARE) {
    const hint = encoding.startsWith('utf-16')
      ? ''
      : ' (UTF-16 without a byte order mark looks like this: name it with encoding=utf-16le)';
    throw notText(`it holds binary data, not ${encoding} text${hint}`);
  }
}

/** Decodes the byte stream to text; `chosen` is called once the encoding is decided. */
export async function* decodeCsvText(
  source: AsyncIterable<Buffer>,
  chosen: (encoding: CsvEncoding) => void,
  explicit?: CsvEncoding,
): AsyncGenerator<string> {
  const pending: Buffer[] = [];
  let pendingBytes = 0;
  let decoder: TextDecoder | undefined;
  const start = (): string => {
    const head = Buffer.concat(pending);
    const encoding = chooseEncoding(head, explicit);
    chosen(encoding);
    // Not fatal: undecodable bytes become U+FFFD and their rows are rejected (see above).
    decoder = new TextDecoder(encoding, { fatal: false });
    const text = decoder.decode(head, { stream: true });
    refuseBinary(head, text, encoding);
    return text;
  };
  for await (const chunk of source) {
    if (decoder) {
      yield decoder.decode(chunk, { stream: true });
      continue;
    }
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes >= SNIFF_BYTES) yield start();
  }
  if (!decoder) yield start();
  yield decoder!.decode();
}
