/**
 * Rate limits, with @nestjs/throttler's store (in memory, per instance): failed authentications
 * per client address (AuthFailureLimiter, used by the access guard) and uploads per token subject
 * (UploadThrottlerGuard, on the upload route). Both answer 429 with Retry-After through the one
 * exception filter. Limits come from the validated configuration (RATE_LIMIT_*).
 */
import { Global, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../config/app-config';
import { AuthFailureLimiter } from './auth-failure-limiter';
import { UPLOADS_THROTTLER, UploadThrottlerGuard } from './upload-throttler.guard';

@Global()
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        // Only the upload limit runs as a guard; auth failures use the same store directly.
        throttlers: [
          {
            name: UPLOADS_THROTTLER,
            limit: config.rateLimits.uploads,
            ttl: config.rateLimits.uploadWindowSeconds * 1000,
          },
        ],
        // Retry-After is set by the exception filter, from the error; no per-name headers.
        setHeaders: false,
      }),
    }),
  ],
  providers: [AuthFailureLimiter, UploadThrottlerGuard],
  exports: [AuthFailureLimiter, UploadThrottlerGuard, ThrottlerModule],
})
export class RateLimitModule {}
