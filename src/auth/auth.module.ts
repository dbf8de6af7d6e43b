import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { AccessGuard } from './access.guard';
import { RoleTokenService } from './role-token.service';

/** Role tokens and the single global access guard (which limits failed authentications). */
@Global()
@Module({
  imports: [RateLimitModule],
  providers: [RoleTokenService, { provide: APP_GUARD, useClass: AccessGuard }],
  exports: [RoleTokenService],
})
export class AuthModule {}
