import { Readable } from 'node:stream';
import { CsvFormat, readCsvRecords } from './csv-record-reader';

async function records(bytes: Buffer) {
  const format: Partial<CsvFormat> = {};
  const out: { line: number; fields: string[] }[] = [];
  // Split mid-way so records and characters straddle chunks, as they do in real streams.
  const chunks = [bytes.subarray(0, 7), bytes.subarray(7)];
  for await (const r of readCsvRecords(Readable.from(chunks), format)) out.push(r);
  return { format, out };
}

describe('reading CSV records', () => {
  it('reports the physical line each record starts on, across quoted CRLF line breaks and blank lines', async () => {
    const { out } = await records(
      Buffer.from('a,b\r\n1,"x\r\ny"\r\n\r\n3,4\r\n5,"p\nq\nr"\r\n6,7\r\n'),
    );
    expect(out.map((r) => r.line)).toEqual([1, 2, 5, 6, 9]);
    expect(out[1].fields).toEqual(['1', 'x\r\ny']);
  });

  it('detects semicolons, and Windows-1252 when the bytes are not UTF-8', async () => {
    const { format, out } = await records(
      Buffer.from('nom;ville\nB\xe9ranger;Besan\xe7on\n', 'latin1'),
    );
    expect(format).toEqual({ encoding: 'windows-1252', delimiter: ';' });
    expect(out[1].fields).toEqual(['Béranger', 'Besançon']);
  });

  it('drops a UTF-8 byte order mark from the first header cell', async () => {
    const { format, out } = await records(Buffer.from('\uFEFFclient_id,nom\n1,Léa\n'));
    expect(format.encoding).toBe('utf-8');
    expect(out[0].fields[0]).toBe('client_id');
  });
});
