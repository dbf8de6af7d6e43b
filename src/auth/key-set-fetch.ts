/**
 * One GET of the identity provider's JWKS, bounded in time and in size: the whole exchange
 * (connection, headers and body) must end within `timeoutMs`, and the body is read only up to
 * `maxBytes`. jose's own fetch bounds only the wait for the headers: a provider that stalls
 * mid-body held the request for ever, and a 50 MB answer was read and parsed whole.
 */
import { once } from 'node:events';
import * as http from 'node:http';
import * as https from 'node:https';

/** Why the fetch failed, in words safe to log: never a byte of the answer. */
export class KeySetFetchFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeySetFetchFailure';
  }
}

export interface KeySetFetchLimits {
  timeoutMs: number;
  maxBytes: number;
}

export async function fetchKeySetDocument(url: URL, limits: KeySetFetchLimits): Promise<unknown> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  // No Accept-Encoding: the answer comes as it is, so maxBytes bounds what is held in memory.
  const request = (url.protocol === 'https:' ? https : http).get(url, {
    signal,
    headers: { accept: 'application/json' },
  });
  try {
    const [response] = (await once(request, 'response')) as [http.IncomingMessage];
    if (response.statusCode !== 200)
      throw new KeySetFetchFailure(`it answered ${response.statusCode}`);
    const tooLarge = new KeySetFetchFailure(`its answer is larger than ${limits.maxBytes} bytes`);
    if (Number(response.headers['content-length']) > limits.maxBytes) throw tooLarge;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limits.maxBytes) throw tooLarge;
      chunks.push(chunk);
    }
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    } catch {
      throw new KeySetFetchFailure('its answer is not JSON');
    }
  } catch (error) {
    // Whatever is left of the answer is not wanted: the socket goes, the provider stops sending.
    request.destroy();
    if (signal.aborted) {
      throw new KeySetFetchFailure(`no complete answer within ${limits.timeoutMs} ms`);
    }
    if (error instanceof KeySetFetchFailure) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new KeySetFetchFailure(
      code ?? (error instanceof Error ? error.message : 'unknown error'),
    );
  }
}
