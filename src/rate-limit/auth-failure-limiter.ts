import { Inject, Injectable } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import { tooManyRequests } from '../common/domain-error';
import { AppConfig } from '../config/app-config';

const THROTTLER_NAME = 'auth-failures';

/**
 * Counts failed authentications per client address, and request bodies that cannot be read
 * (RequestBodyMiddleware: the same count, both being the client's fault and cheap to repeat).
 * Past RATE_LIMIT_AUTH_FAILURES within the window, a failure answers 429 with Retry-After
 * instead of its 4xx, until the window frees up.
 *
 * Only failures count and only failures are refused: callers sharing an address with someone
 * guessing tokens (a NAT, a proxy) keep working with their valid tokens. The address is
 * Express's `req.ip`, which honours X-Forwarded-For only as far as TRUST_PROXY allows.
 */
@Injectable()
export class AuthFailureLimiter {
  constructor(
    @Inject(ThrottlerStorage) private readonly storage: ThrottlerStorage,
    private readonly config: AppConfig,
  ) {}

  /**
   * Records one failure; returns the error to throw: the one given (401, or a body's 4xx), or a
   * 429 past the limit, whose message names `what` is being refused.
   */
  async refuse(address: string, failure: Error, what = 'failed authentications'): Promise<Error> {
    const { authFailures, authWindowSeconds } = this.config.rateLimits;
    const windowMs = authWindowSeconds * 1000;
    const record = await this.storage.increment(
      `${THROTTLER_NAME}:${address}`,
      windowMs,
      authFailures,
      windowMs,
      THROTTLER_NAME,
    );
    if (!record.isBlocked) return failure;
    return tooManyRequests(
      `Too many ${what} from this address; try again later`,
      Math.max(1, record.timeToBlockExpire),
    );
  }
}
