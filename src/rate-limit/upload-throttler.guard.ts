import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import type { Caller } from '../auth/caller';
import { CALLER_KEY } from '../auth/caller';
import { tooManyRequests } from '../common/domain-error';

export const UPLOADS_THROTTLER = 'uploads';

/**
 * Uploads per token subject (RATE_LIMIT_UPLOADS per RATE_LIMIT_UPLOAD_WINDOW_S). A route guard,
 * so it runs after the access guard has verified the token and attached the caller, and before
 * the upload interceptor reads a byte of the body.
 */
@Injectable()
export class UploadThrottlerGuard extends ThrottlerGuard {
  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    const caller = req[CALLER_KEY] as Caller | undefined;
    // The access guard always runs first; without a caller there is nothing to attribute.
    return Promise.resolve(caller ? `sub:${caller.sub}` : `ip:${String(req.ip)}`);
  }

  protected override throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    throw tooManyRequests(
      `Too many uploads for this subject: at most ${detail.limit} per ${detail.ttl / 1000}s`,
      Math.max(1, detail.timeToBlockExpire),
    );
  }
}
