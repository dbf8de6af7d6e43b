/**
 * A file sent to the product's upload route (`POST /datasets/{dataset}/imports`) as a browser or
 * curl sends it: one multipart/form-data part named `file`, streamed from disk with its length
 * known, so the service reads it exactly as it reads a real upload.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { request } from 'node:http';
import { basename } from 'node:path';

export interface UploadAnswer {
  status: number;
  body: string;
}

export async function uploadFile(
  baseUrl: string,
  dataset: string,
  path: string,
  token: string,
  /** The longest the socket may stay silent (the service answers only once the import is done). */
  idleTimeoutMs = 600_000,
): Promise<UploadAnswer> {
  const base = new URL(baseUrl);
  const size = (await stat(path)).size;
  const boundary = 'smartretail-bench-boundary';
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${basename(path)}"\r\nContent-Type: text/csv\r\n\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: base.hostname,
        port: base.port,
        method: 'POST',
        path: `/datasets/${dataset}/imports`,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': Buffer.byteLength(head) + size + Buffer.byteLength(tail),
        },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.setTimeout(idleTimeoutMs, () => req.destroy(new Error('the upload timed out')));
    req.write(head);
    const file = createReadStream(path);
    file.on('error', reject);
    file.pipe(req, { end: false });
    file.on('end', () => req.end(tail));
  });
}
