import { Readable } from 'node:stream';
import { CsvEncoding, CsvFormat, readCsvRecords } from './csv-record-reader';

async function records(bytes: Buffer, encoding?: CsvEncoding) {
  const format: Partial<CsvFormat> = {};
  const out: { line: number; fields: string[] }[] = [];
  // Split mid-way so records and characters straddle chunks, as they do in real streams.
  const chunks = [bytes.subarray(0, 7), bytes.subarray(7)];
  for await (const r of readCsvRecords(Readable.from(chunks), format, encoding)) out.push(r);
  return { format, out };
}

const refusal = (bytes: Buffer) =>
  records(bytes).then(
    () => 'read',
    (error: Error) => error.message,
  );

describe('reading CSV records', () => {
  it('reports the physical line each record starts on, across quoted CRLF line breaks and blank lines', async () => {
    const { out } = await records(
      Buffer.from('a,b\r\n1,"x\r\ny"\r\n\r\n3,4\r\n5,"p\nq\nr"\r\n6,7\r\n'),
    );
    expect(out.map((r) => r.line)).toEqual([1, 2, 5, 6, 9]);
    expect(out[1].fields).toEqual(['1', 'x\r\ny']);
  });

  it('detects semicolons, and Windows-1252 when the bytes hold no UTF-8 at all', async () => {
    const { format, out } = await records(
      Buffer.from('nom;ville\nB\xe9ranger;Besan\xe7on\n', 'latin1'),
    );
    expect(format).toEqual({ encoding: 'windows-1252', delimiter: ';' });
    expect(out[1].fields).toEqual(['Béranger', 'Besançon']);
  });

  it('detects tabs', async () => {
    const { format, out } = await records(Buffer.from('a\tb\n1\t"x,y"\n'));
    expect(format.delimiter).toBe('\t');
    expect(out[1].fields).toEqual(['1', 'x,y']);
  });

  it('drops a UTF-8 byte order mark from the first header cell', async () => {
    const { format, out } = await records(Buffer.from('\uFEFFclient_id,nom\n1,Léa\n'));
    expect(format.encoding).toBe('utf-8');
    expect(out[0].fields[0]).toBe('client_id');
  });

  it('keeps a UTF-8 file UTF-8 when one row holds an invalid byte: only that cell is marked', async () => {
    const { format, out } = await records(
      Buffer.concat([
        Buffer.from('nom,ville\nLéa,Besançon\n'),
        Buffer.from([0x42, 0xe9, 0x2c, 0x78, 0x0a]), // "B\xe9,x": Latin-1 é in a UTF-8 file
        Buffer.from('Zoé,Dijon\n'),
      ]),
    );
    expect(format.encoding).toBe('utf-8');
    expect(out.map((r) => r.fields)).toEqual([
      ['nom', 'ville'],
      ['Léa', 'Besançon'],
      ['B\uFFFD', 'x'],
      ['Zoé', 'Dijon'],
    ]);
  });

  it.each<[string, BufferEncoding | 'utf16be']>([
    ['utf-16le', 'utf16le'],
    ['utf-16be', 'utf16be'],
  ])('decodes %s text with its byte order mark', async (encoding, nodeEncoding) => {
    const text = '\uFEFFnom,ville\nLéa,Besançon\n';
    const bytes =
      nodeEncoding === 'utf16be'
        ? Buffer.from(text, 'utf16le').swap16()
        : Buffer.from(text, nodeEncoding);
    const { format, out } = await records(bytes);
    expect(format.encoding).toBe(encoding);
    expect(out.map((r) => r.fields)).toEqual([
      ['nom', 'ville'],
      ['Léa', 'Besançon'],
    ]);
  });

  it('reads UTF-16 without a byte order mark only when told, and calls it binary otherwise', async () => {
    const bytes = Buffer.from('nom,ville\nLéa,Besançon\n', 'utf16le');
    expect(await refusal(bytes)).toMatch(/^not a CSV text file: .*encoding=utf-16le/);
    const { out } = await records(bytes, 'utf-16le');
    expect(out[1].fields).toEqual(['Léa', 'Besançon']);
  });

  it('follows an explicit encoding over the evidence', async () => {
    const { out } = await records(Buffer.from('nom\nLÃ©a\n'), 'windows-1252');
    expect(out[1].fields).toEqual(['LÃƒÂ©a']);
  });

  it('refuses archives, images and random bytes as not CSV text', async () => {
    const zip = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 0x08, 0]);
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    let seed = 42;
    const random = Buffer.from(
      Array.from({ length: 4096 }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24),
    );
    expect(await refusal(zip)).toMatch(/^not a CSV text file: a ZIP archive/);
    expect(await refusal(png)).toMatch(/^not a CSV text file: a PNG image/);
    expect(await refusal(random)).toMatch(/^not a CSV text file: it holds binary data/);
  });

  it('names the line where an unterminated quote opens', async () => {
    expect(await refusal(Buffer.from('a,b\n1,x\n2,"open\n3,y\n4,z\n'))).toBe(
      'unterminated quote: the quoted field opened on line 3 never closes; nothing was imported',
    );
  });
});
