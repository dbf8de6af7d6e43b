/**
 * Role tokens: HS256 JWTs signed with JWT_SECRET. Verification pins the algorithm (so `alg: none`
 * and algorithm-confusion tokens are refused), requires `exp`, checks iss/aud when configured,
 * and accepts only the roles of the allow-list. Every failure is the same opaque error: callers
 * learn nothing about why, and nothing of the token is echoed.
 */
import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppConfig } from '../config/app-config';
import { DomainError, DomainErrorCode } from '../common/domain-error';
import { DatabaseRole, isDatabaseRole } from '../database/role-scoped-transactions';

export const TOKEN_ALGORITHM = 'HS256' as const;

export interface VerifiedToken {
  sub: string;
  role: DatabaseRole;
  claims: Record<string, unknown>;
}

export const unauthenticated = (): DomainError =>
  new DomainError(DomainErrorCode.Unauthenticated, 'A valid bearer token is required');

export const SUBJECT_PATTERN = /^[\w.@:-]{1,128}$/;

type TokenSettings = Pick<AppConfig, 'jwtSecret' | 'jwtIssuer' | 'jwtAudience'>;

@Injectable()
export class RoleTokenService {
  private readonly jwt: JwtService;

  constructor(private readonly config: AppConfig) {
    this.jwt = new JwtService({ secret: config.jwtSecret });
  }

  /** Throws an Unauthenticated DomainError for any token that is not fully valid. */
  verify(token: string): VerifiedToken {
    let claims: Record<string, unknown>;
    try {
      claims = this.jwt.verify<Record<string, unknown>>(token, {
        algorithms: [TOKEN_ALGORITHM],
        issuer: this.config.jwtIssuer,
        audience: this.config.jwtAudience,
      });
    } catch {
      throw unauthenticated();
    }
    // jsonwebtoken only checks `exp` when present; a token without one would never expire.
    if (typeof claims.exp !== 'number') throw unauthenticated();
    const { sub, role } = claims;
    if (typeof sub !== 'string' || !SUBJECT_PATTERN.test(sub) || !isDatabaseRole(role)) {
      throw unauthenticated();
    }
    return { sub, role, claims };
  }
}

export interface TokenRequest {
  role: DatabaseRole;
  sub: string;
  /** Lifetime in seconds. */
  ttlSeconds: number;
}

/** Signs a role token; used by `npm run token` and the tests. */
export function signRoleToken(settings: TokenSettings, request: TokenRequest): string {
  const jwt = new JwtService({ secret: settings.jwtSecret });
  return jwt.sign(
    { role: request.role },
    {
      algorithm: TOKEN_ALGORITHM,
      subject: request.sub,
      expiresIn: request.ttlSeconds,
      ...(settings.jwtIssuer ? { issuer: settings.jwtIssuer } : {}),
      ...(settings.jwtAudience ? { audience: settings.jwtAudience } : {}),
    },
  );
}
