/**
 * A stand-in identity provider on loopback: a real HTTP server publishing a JWKS, and the keys to
 * sign tokens with jose as Keycloak or Auth0 would. Keys can be added, published, unpublished
 * (rotation by kid), and the server taken down or made to misbehave (`answer`), to see the
 * service cope.
 */
import { CryptoKey, exportJWK, exportSPKI, generateKeyPair, JWK, SignJWT } from 'jose';
import { once } from 'node:events';
import { createServer, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type SigningAlgorithm = 'RS256' | 'ES256' | 'EdDSA';

interface KeyPair {
  alg: SigningAlgorithm;
  privateKey: CryptoKey;
  publicJwk: JWK;
  publicPem: string;
}

export const AUDIENCE = 'smartretail-api';

/**
 * How the key set is answered: `keys` the published set; `error` a 500; `silent` never a byte
 * (not even headers); `stall` the headers and the start of the set, then nothing; `huge` the
 * published set padded to 50 MB, streamed as fast as the client reads it.
 */
export type KeySetAnswer = 'keys' | 'error' | 'silent' | 'stall' | 'huge';

export const HUGE_KEY_SET_BYTES = 50 * 1024 * 1024;
const PADDING_CHUNK = 'x'.repeat(64 * 1024);

export class IdentityProvider {
  private readonly keys = new Map<string, KeyPair>();
  private readonly published = new Set<string>();
  private server?: Server;
  /** Every GET of the key set, so tests can see when the service refetched it. */
  fetches = 0;
  /** Bytes of key-set answers written to sockets (a client that hangs up stops the writing). */
  bytesServed = 0;
  answer: KeySetAnswer = 'keys';
  port = 0;

  static async start(): Promise<IdentityProvider> {
    const idp = new IdentityProvider();
    await idp.listen();
    return idp;
  }

  get issuer(): string {
    return `http://127.0.0.1:${this.port}/realms/retail`;
  }

  get jwksUrl(): string {
    return `${this.issuer}/protocol/openid-connect/certs`;
  }

  /** The service's environment for this provider. */
  environment(extra: Record<string, string> = {}): Record<string, string> {
    return {
      JWT_JWKS_URL: this.jwksUrl,
      JWT_ISSUER: this.issuer,
      JWT_AUDIENCE: AUDIENCE,
      ...extra,
    };
  }

  /** Generates a key pair under `kid`; published in the set unless told otherwise. */
  async addKey(kid: string, alg: SigningAlgorithm = 'RS256', publish = true): Promise<void> {
    const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
    this.keys.set(kid, { alg, privateKey, publicJwk, publicPem: await exportSPKI(publicKey) });
    if (publish) this.published.add(kid);
  }

  publish(kid: string): void {
    this.published.add(kid);
  }

  unpublish(kid: string): void {
    this.published.delete(kid);
  }

  keySet(): { keys: JWK[] } {
    return { keys: [...this.published].map((kid) => this.keys.get(kid)!.publicJwk) };
  }

  publicPem(kid: string): string {
    return this.keys.get(kid)!.publicPem;
  }

  /** A token as the provider issues it: its issuer, our audience, 5 minutes, the given claims. */
  sign(
    kid: string,
    claims: Record<string, unknown>,
    options: { exp?: number } = {},
  ): Promise<string> {
    const key = this.keys.get(kid)!;
    const { iss, aud, sub, ...rest } = {
      iss: this.issuer,
      aud: AUDIENCE,
      sub: 'f3c1a9e2-idp-user',
      ...claims,
    };
    let jwt = new SignJWT(rest)
      .setProtectedHeader({ alg: key.alg, kid, typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime(options.exp ?? '5m');
    if (iss !== undefined) jwt = jwt.setIssuer(iss);
    if (aud !== undefined) jwt = jwt.setAudience(aud);
    if (sub !== undefined) jwt = jwt.setSubject(sub);
    return jwt.sign(key.privateKey);
  }

  private listen(port = 0): Promise<void> {
    this.server = createServer((req, res) => {
      if (req.method === 'GET' && req.url === new URL(this.jwksUrl).pathname) {
        this.fetches++;
        this.answerKeySet(res);
        return;
      }
      res.writeHead(404).end();
    });
    return new Promise((resolve) =>
      this.server!.listen(port, '127.0.0.1', () => {
        this.port = (this.server!.address() as AddressInfo).port;
        resolve();
      }),
    );
  }

  private answerKeySet(res: ServerResponse): void {
    const document = JSON.stringify(this.keySet());
    const write = (chunk: string): boolean => {
      this.bytesServed += Buffer.byteLength(chunk);
      return res.write(chunk);
    };
    switch (this.answer) {
      case 'keys':
        res.writeHead(200, { 'content-type': 'application/json' });
        write(document);
        res.end();
        return;
      case 'error':
        res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
        return;
      case 'silent':
        return;
      case 'stall':
        res.writeHead(200, { 'content-type': 'application/json' });
        write(document.slice(0, 10));
        return;
      case 'huge':
        // A valid set with one more member, so only its size can be held against it.
        res.writeHead(200, { 'content-type': 'application/json' });
        void this.streamHuge(res, write, `${document.slice(0, -1)},"padding":"`);
    }
  }

  /** Chunk by chunk as the client reads (no 50 MB string), until done or the client hangs up. */
  private async streamHuge(
    res: ServerResponse,
    write: (chunk: string) => boolean,
    head: string,
  ): Promise<void> {
    const closed = new Promise<void>((resolve) => res.once('close', resolve));
    write(head);
    let left = HUGE_KEY_SET_BYTES - head.length - 2;
    while (left > 0 && !res.destroyed) {
      const chunk = PADDING_CHUNK.slice(0, Math.min(left, PADDING_CHUNK.length));
      left -= chunk.length;
      if (!write(chunk)) await Promise.race([once(res, 'drain'), closed]);
    }
    if (!res.destroyed) res.end('"}');
  }

  /** Takes the provider down (connections refused) until `restart()`. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  /** Back on the same port, with the same keys. */
  restart(): Promise<void> {
    return this.listen(this.port);
  }
}
