import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { AccessGuard } from './access.guard';
import { RoleTokenService } from './role-token.service';
import { TokenKeys } from './token-keys';

/** Role tokens, their verification keys (JWT_SECRET and/or a JWKS) and the single global access guard (which limits failed authentications). */
@Global()
@Module({
  imports: [RateLimitModule],
  providers: [RoleTokenService, TokenKeys, { provide: APP_GUARD, useClass: AccessGuard }],
  exports: [RoleTokenService, TokenKeys],
})
export class AuthModule {}
