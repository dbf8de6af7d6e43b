/**
 * The keys role tokens are verified with, chosen by the token's algorithm family and nothing
 * else: HS256 gets JWT_SECRET, every asymmetric algorithm gets the JWKS. A public key is never
 * handed to an HMAC check (the algorithm-confusion attack), and the JWKS is never asked for an
 * HMAC key (an `oct` key published in it would otherwise become a shared secret).
 *
 * A remote JWKS (JWT_JWKS_URL) is RemoteKeySet's: fetched on first use, cached for
 * JWT_JWKS_MAX_AGE_MS, refetched on an unknown kid, at most once per JWT_JWKS_COOLDOWN_MS whether
 * the last fetch failed or not, each fetch bounded by JWT_JWKS_TIMEOUT_MS and JWKS_MAX_BYTES. A
 * set that cannot be fetched is the identity provider's outage, not the caller's fault: it
 * surfaces as KeySetUnavailable (503), not as a 401.
 */
import { Injectable } from '@nestjs/common';
import {
  createLocalJWKSet,
  CryptoKey,
  errors,
  FlattenedJWSInput,
  JWSHeaderParameters,
  KeyObject,
} from 'jose';
import { createSecretKey } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { isHmacAlgorithm } from '../config/jwt-settings';
import { KeySetStatus, KeySetUnavailable, RemoteKeySet } from './remote-key-set';

export { KeySetUnavailable } from './remote-key-set';
export type { KeySetStatus } from './remote-key-set';

/** Errors that say something about the token (no key for its kid), not about the key set. */
const TOKEN_ERRORS = ['ERR_JWKS_NO_MATCHING_KEY', 'ERR_JWKS_MULTIPLE_MATCHING_KEYS'];

/** jose 6 hands back CryptoKeys from a JWKS; the HMAC secret is a Node KeyObject. */
type VerificationKey = CryptoKey | KeyObject;
type KeyResolver = (
  header: JWSHeaderParameters,
  token: FlattenedJWSInput,
) => Promise<VerificationKey>;

@Injectable()
export class TokenKeys {
  private readonly secret?: KeyObject;
  private readonly keySet?: KeyResolver;
  private readonly remote?: RemoteKeySet;

  constructor(config: AppConfig) {
    // jsonwebtoken (which signs with it) takes the secret's text as the HMAC key: so does this.
    if (config.jwtSecret) this.secret = createSecretKey(Buffer.from(config.jwtSecret, 'utf8'));
    const source = config.jwtJwks;
    if (source?.kind === 'file') this.keySet = createLocalJWKSet(source.keySet);
    if (source?.kind === 'url') {
      this.remote = new RemoteKeySet(source);
      this.keySet = this.remote.resolve;
    }
  }

  /** Whether a remote JWKS is configured (readiness reports it then). */
  get remoteKeySet(): boolean {
    return this.remote !== undefined;
  }

  /** The key resolver given to jwtVerify, which has already checked the algorithm is allowed. */
  readonly resolve = async (
    header: JWSHeaderParameters,
    token: FlattenedJWSInput,
  ): Promise<VerificationKey> => {
    const hmac = isHmacAlgorithm(header.alg ?? '');
    if (hmac && this.secret) return this.secret;
    if (hmac || !this.keySet) throw new errors.JOSEAlgNotAllowed('no key for this algorithm');
    try {
      return await this.keySet(header, token);
    } catch (error) {
      if (!this.remote || error instanceof KeySetUnavailable) throw error;
      if (TOKEN_ERRORS.includes((error as errors.JOSEError).code)) throw error;
      // A key of the fetched set that jose cannot import: the provider's fault, not the caller's.
      throw new KeySetUnavailable(describeKeyFailure(error));
    }
  };

  /**
   * The remote set as readiness sees it: refetched first when it is stale or was never fetched
   * (as the next token would, so not within the cooldown of a failed fetch), so a failure here
   * means tokens cannot be verified right now.
   */
  remoteStatus(): Promise<KeySetStatus> {
    if (!this.remote) return Promise.reject(new Error('no JWT_JWKS_URL configured'));
    return this.remote.status();
  }
}

/** A short cause for logs: jose's own message. Never a key. */
function describeKeyFailure(error: unknown): string {
  return error instanceof errors.JOSEError ? error.message : 'unknown error';
}
