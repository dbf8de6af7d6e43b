/**
 * The identity provider's JWKS (JWT_JWKS_URL), fetched here rather than by jose's
 * createRemoteJWKSet, to protect the provider from us and us from the provider:
 *
 * - **one fetch per cooldown, whatever the traffic.** jose's cooldown started only after a
 *   successful fetch: with the provider answering 500, every token (30 garbage tokens: 30
 *   fetches) asked again. Here every attempt, failed or not, starts JWT_JWKS_COOLDOWN_MS during
 *   which no other starts; a failure is kept and answered (503) for that long. Concurrent
 *   requests share the fetch in flight.
 * - **bounded answers.** Each fetch ends within JWT_JWKS_TIMEOUT_MS (headers and body) and reads
 *   at most JWKS_MAX_BYTES (key-set-fetch.ts).
 *
 * The set is refetched when older than JWT_JWKS_MAX_AGE_MS (but not within the cooldown), and
 * on a kid it does not have (not within the cooldown either: an unknown kid with a bad
 * signature, the cheapest token to forge, costs the provider nothing more).
 */
import { Logger } from '@nestjs/common';
import {
  createLocalJWKSet,
  errors,
  FlattenedJWSInput,
  CryptoKey,
  JSONWebKeySet,
  JWSHeaderParameters,
} from 'jose';
import type { JwksUrlSource } from '../config/jwt-settings';
import { fetchKeySetDocument } from './key-set-fetch';

export class KeySetUnavailable extends Error {
  constructor(readonly reason: string) {
    super(`the JWKS at JWT_JWKS_URL could not be fetched: ${reason}`);
    this.name = 'KeySetUnavailable';
  }
}

export interface KeySetStatus {
  keys: number;
  lastRefresh: string;
}

type KeyResolver = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey>;

interface FetchedSet {
  resolve: KeyResolver;
  keys: number;
  at: number;
}

export class RemoteKeySet {
  private readonly logger = new Logger('TokenKeys');
  private set?: FetchedSet;
  /** When the last fetch ended, and its failure if it failed. */
  private lastAttempt?: { at: number; failure?: KeySetUnavailable };
  private inFlight?: Promise<void>;

  constructor(private readonly source: JwksUrlSource) {}

  /** The key for this token; KeySetUnavailable when no usable set can be had right now. */
  readonly resolve = async (
    header: JWSHeaderParameters,
    token: FlattenedJWSInput,
  ): Promise<CryptoKey> => {
    const set = await this.usableSet();
    try {
      return await set.resolve(header, token);
    } catch (error) {
      if ((error as errors.JOSEError).code !== 'ERR_JWKS_NO_MATCHING_KEY' || this.coolingDown())
        throw error;
      // A kid the set does not have may be a key the provider published since.
      await this.refetch();
      return (await this.usableSet()).resolve(header, token);
    }
  };

  /** The set as readiness sees it, refetched first when the next token would refetch it. */
  async status(): Promise<KeySetStatus> {
    const set = await this.usableSet();
    return { keys: set.keys, lastRefresh: new Date(set.at).toISOString() };
  }

  /**
   * The cached set if fresh, else the one fetched now (unless cooling down). A stale set is not
   * used when its refresh failed: a key the provider removed would otherwise stay accepted.
   */
  private async usableSet(): Promise<FetchedSet> {
    if (!this.fresh()) await this.refetch();
    if (this.set && this.fresh()) return this.set;
    throw this.lastAttempt?.failure ?? new KeySetUnavailable('not fetched yet');
  }

  /** Within max age; or fetched in this cooldown (the cooldown wins over a shorter max age). */
  private fresh(): boolean {
    if (!this.set) return false;
    const age = Date.now() - this.set.at;
    return age < this.source.maxAgeMs || age < this.source.cooldownMs;
  }

  private coolingDown(): boolean {
    return !!this.lastAttempt && Date.now() - this.lastAttempt.at < this.source.cooldownMs;
  }

  private refetch(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    if (this.coolingDown()) return Promise.resolve();
    this.inFlight = this.fetchOnce().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async fetchOnce(): Promise<void> {
    try {
      const document = await fetchKeySetDocument(this.source.url, this.source);
      const resolve = createLocalJWKSet(document as JSONWebKeySet);
      const keys = (document as JSONWebKeySet).keys.length;
      const at = Date.now();
      if (this.lastAttempt?.failure) this.logger.log(`The JWKS is fetched again: ${keys} keys`);
      this.set = { resolve, keys, at };
      this.lastAttempt = { at };
    } catch (error) {
      const reason =
        error instanceof errors.JWKSInvalid
          ? 'its answer is not a JSON Web Key Set'
          : (error as Error).message;
      const failure = new KeySetUnavailable(reason);
      this.lastAttempt = { at: Date.now(), failure };
      // Once per attempt, not once per token: the tokens refused meanwhile log at warn.
      this.logger.error(
        `${failure.message}; tokens it is needed for answer 503 until the next attempt, in ${this.source.cooldownMs} ms at the earliest`,
      );
    }
  }
}
