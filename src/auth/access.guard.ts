/**
 * The one guard of the service (registered as APP_GUARD). It fails closed: a route must declare
 * `@Public()` or `@Roles(...)`, otherwise it is refused. Token problems are 401 and happen before
 * any handler (hence before any database work); a valid token whose role is not listed is 403.
 */
import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { DomainError, DomainErrorCode, forbidden } from '../common/domain-error';
import { correlationIdOf, requestIdOf } from '../common/request-id';
import type { DatabaseRole } from '../database/role-scoped-transactions';
import { PUBLIC_KEY, ROLES_KEY } from './access.decorators';
import { CALLER_KEY, Caller } from './caller';
import { AuthFailureLimiter } from '../rate-limit/auth-failure-limiter';
import { RoleTokenService, unauthenticated, VerifiedToken } from './role-token.service';

/** RFC 6750: the scheme is case-insensitive; the token is the three base64url parts of a JWT. */
const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/i;

@Injectable()
export class AccessGuard implements CanActivate {
  private readonly logger = new Logger('AccessGuard');

  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: RoleTokenService,
    private readonly authFailures: AuthFailureLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const roles = this.reflector.getAllAndOverride<DatabaseRole[] | undefined>(ROLES_KEY, targets);
    const req = context.switchToHttp().getRequest<Request>();
    if (!roles?.length) {
      this.logger.error(`${req.method} ${req.path} declares neither @Roles nor @Public: refused`);
      throw forbidden('This route is not open to any role');
    }
    const token = await this.authenticate(req);
    if (!roles.includes(token.role)) throw forbidden();
    const caller: Caller = {
      ...token,
      requestId: requestIdOf(req),
      correlationId: correlationIdOf(req),
    };
    (req as unknown as Record<string, unknown>)[CALLER_KEY] = caller;
    return true;
  }

  /** Every failure counts against the client address; past the limit it is a 429, not a 401. */
  private async authenticate(req: Request): Promise<VerifiedToken> {
    try {
      const match = BEARER.exec(req.header('authorization') ?? '');
      if (!match) throw unauthenticated();
      // Awaited here, so a refused token is caught below and counted.
      return await this.tokens.verify(match[1]);
    } catch (error) {
      // The identity provider's outage (503) is nobody's failed attempt: not counted.
      if (error instanceof DomainError && error.code === DomainErrorCode.Unavailable) throw error;
      throw await this.authFailures.refuse(req.ip ?? 'unknown', error as Error);
    }
  }
}
