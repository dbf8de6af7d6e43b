/**
 * The keys role tokens are verified with, chosen by the token's algorithm family and nothing
 * else: HS256 gets JWT_SECRET, every asymmetric algorithm gets the JWKS. A public key is never
 * handed to an HMAC check (the algorithm-confusion attack), and the JWKS is never asked for an
 * HMAC key (an `oct` key published in it would otherwise become a shared secret).
 *
 * A remote JWKS (JWT_JWKS_URL) is jose's: fetched on first use, cached for JWT_JWKS_MAX_AGE_MS,
 * refetched on an unknown kid (at most once per JWT_JWKS_COOLDOWN_MS), each fetch bounded by
 * JWT_JWKS_TIMEOUT_MS. A set that cannot be fetched is the identity provider's outage, not the
 * caller's fault: it surfaces as KeySetUnavailable (503), not as a 401.
 */
import { Injectable } from '@nestjs/common';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  ExportedJWKSCache,
  FlattenedJWSInput,
  JWSHeaderParameters,
  jwksCache,
  KeyLike,
} from 'jose';
import { createSecretKey } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { isHmacAlgorithm } from '../config/jwt-settings';

export class KeySetUnavailable extends Error {
  constructor(readonly reason: string) {
    super(`the JWKS at JWT_JWKS_URL could not be fetched: ${reason}`);
    this.name = 'KeySetUnavailable';
  }
}

/** Errors that say something about the token (no key for its kid), not about the key set. */
const TOKEN_ERRORS = ['ERR_JWKS_NO_MATCHING_KEY', 'ERR_JWKS_MULTIPLE_MATCHING_KEYS'];

export interface KeySetStatus {
  keys: number;
  lastRefresh: string;
}

type RemoteKeySet = ReturnType<typeof createRemoteJWKSet>;
type KeyResolver = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<KeyLike>;

@Injectable()
export class TokenKeys {
  private readonly secret?: KeyLike;
  private readonly keySet?: KeyResolver;
  private readonly remote?: RemoteKeySet;
  /** jose records each successful fetch here (time and set): readiness reads it. */
  private readonly fetched: Partial<ExportedJWKSCache> = {};

  constructor(config: AppConfig) {
    // jsonwebtoken (which signs with it) takes the secret's text as the HMAC key: so does this.
    if (config.jwtSecret) this.secret = createSecretKey(Buffer.from(config.jwtSecret, 'utf8'));
    const source = config.jwtJwks;
    if (source?.kind === 'file') this.keySet = createLocalJWKSet(source.keySet);
    if (source?.kind === 'url') {
      this.remote = createRemoteJWKSet(source.url, {
        timeoutDuration: source.timeoutMs,
        cooldownDuration: source.cooldownMs,
        cacheMaxAge: source.maxAgeMs,
        [jwksCache]: this.fetched as ExportedJWKSCache,
      });
      this.keySet = this.remote;
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
  ): Promise<KeyLike> => {
    const hmac = isHmacAlgorithm(header.alg ?? '');
    if (hmac && this.secret) return this.secret;
    if (hmac || !this.keySet) throw new errors.JOSEAlgNotAllowed('no key for this algorithm');
    try {
      return await this.keySet(header, token);
    } catch (error) {
      if (!this.remote || TOKEN_ERRORS.includes((error as errors.JOSEError).code)) throw error;
      throw new KeySetUnavailable(describeFetchFailure(error));
    }
  };

  /**
   * The remote set as readiness sees it: refetched first when it is stale or was never fetched
   * (as the next token would), so a failure here means tokens cannot be verified right now.
   */
  async remoteStatus(): Promise<KeySetStatus> {
    if (!this.remote) throw new Error('no JWT_JWKS_URL configured');
    if (!this.remote.fresh) {
      try {
        await this.remote.reload();
      } catch (error) {
        throw new KeySetUnavailable(describeFetchFailure(error));
      }
    }
    return {
      keys: this.fetched.jwks?.keys.length ?? 0,
      lastRefresh: new Date(this.fetched.uat ?? 0).toISOString(),
    };
  }
}

/** A short cause for logs: jose's own messages, or the socket error's code. Never a body. */
function describeFetchFailure(error: unknown): string {
  if (error instanceof errors.JWKSTimeout) return 'timed out';
  if (error instanceof errors.JOSEError) return error.message;
  const code = (error as NodeJS.ErrnoException).code;
  return code ?? (error instanceof Error ? error.message : 'unknown error');
}
