/**
 * A multipart upload whose body is written by the test, a piece at a time, over a real socket:
 * what a slow client does, and what lets a test act (kill the service, stop sending, look at the
 * spool) while the file is half received. Plus where the spool holds what it is receiving.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { request as httpRequest, IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { bearer } from './role-tokens';

const BOUNDARY = 'smartretail-trickle';

export interface TrickleResponse {
  status: number;
  body: string;
}

export interface TrickleUpload {
  send(text: string): void;
  /** Ends the file part and the body: the upload is complete. */
  finish(): void;
  abort(): void;
  /** The answer; rejects when the connection is lost first (a killed service). */
  response: Promise<TrickleResponse>;
}

/** A client record with recognisable personal values, to look for where it must not be. */
export const personalRow = (id: number): string =>
  `${id},Zorrowitz,Diego,diego.zorrowitz${id}@example.com,1961-04-02,H,Lyon\r\n`;

export const CLIENTS_HEADER = 'client_id,nom,prenom,email,date_naissance,sexe,ville\r\n';

/** Opens `POST /datasets/{dataset}/imports` as writer and sends the file part's head and `start`. */
export function trickleUpload(
  baseUrl: string,
  { dataset = 'clients', fileName = 'slow.csv', start = CLIENTS_HEADER } = {},
): TrickleUpload {
  const url = new URL(baseUrl);
  const req = httpRequest({
    host: url.hostname,
    port: url.port,
    method: 'POST',
    path: `/datasets/${dataset}/imports`,
    headers: {
      [bearer('writer')[0]]: bearer('writer')[1],
      'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
      'transfer-encoding': 'chunked',
    },
  });
  const response = new Promise<TrickleResponse>((resolve, reject) => {
    req.on('error', reject);
    req.on('response', (res: IncomingMessage) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
  });
  // A lost connection is the expected outcome of some tests: never an unhandled rejection.
  response.catch(() => undefined);
  req.write(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\n` +
      `Content-Type: text/csv\r\n\r\n${start}`,
  );
  return {
    send: (text) => void req.write(text),
    finish: () => req.end(`\r\n--${BOUNDARY}--\r\n`),
    abort: () => req.destroy(),
    response,
  };
}

/** Every regular file below `root` (the spool: instance directories, then files). */
export function spooledFiles(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .map((name) => join(root, name))
    .filter((path) => statSync(path, { throwIfNoEntry: false })?.isFile());
}

/** The instance directories in the spool root. */
export const spoolDirectories = (root: string): string[] =>
  existsSync(root) ? readdirSync(root).map((name) => join(root, name)) : [];

/** Resolves with the spooled files once there is one holding at least `bytes` bytes. */
export async function spooled(root: string, bytes = 1, timeoutMs = 30_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const files = spooledFiles(root);
    if (files.some((f) => (statSync(f, { throwIfNoEntry: false })?.size ?? 0) >= bytes))
      return files;
    if (Date.now() > deadline) throw new Error(`no spooled file of ${bytes} bytes in ${root}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
