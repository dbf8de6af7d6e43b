/**
 * Role tokens: HS256 JWTs signed with JWT_SECRET. Verification pins the algorithm (so `alg: none`
 * and algorithm-confusion tokens are refused), requires `exp`, checks iss/aud when configured,
 * and accepts only the roles of the allow-list. The lifetime is bounded here (JWT_MAX_TTL), not
 * only by whoever signed the token: a leaked long-lived token would otherwise stay valid.
 * `iat` and `nbf` in the future are refused beyond a small clock-skew leeway. Every failure is the same opaque error: callers
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
        // Checked below with our leeway: jsonwebtoken's clockTolerance would also extend `exp`.
        ignoreNotBefore: true,
      });
    } catch {
      throw unauthenticated();
    }
    if (!this.withinLifetime(claims, Date.now() / 1000)) throw unauthenticated();
    const { sub, role } = claims;
    if (typeof sub !== 'string' || !SUBJECT_PATTERN.test(sub) || !isDatabaseRole(role)) {
      throw unauthenticated();
    }
    return { sub, role, claims };
  }

  /** exp required (jsonwebtoken only checks it when present); iat and nbf honoured when given. */
  private withinLifetime(claims: Record<string, unknown>, now: number): boolean {
    const { exp, iat, nbf } = claims;
    const skew = this.config.jwtClockSkewSeconds;
    const maxTtl = this.config.jwtMaxTtlSeconds;
    const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
    if (!isTime(exp) || exp - now > maxTtl + skew) return false;
    if (iat !== undefined && (!isTime(iat) || iat > now + skew || exp - iat > maxTtl)) return false;
    if (nbf !== undefined && (!isTime(nbf) || nbf > now + skew)) return false;
    return true;
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
