/**
 * Role tokens: HS256 JWTs signed with JWT_SECRET (`npm run token`), and/or asymmetric JWTs from an
 * identity provider verified against its JWKS (see TokenKeys). jose verifies them: the algorithm
 * must be one of JWT_ALGORITHMS (so `alg: none` and algorithm-confusion tokens are refused before
 * any key is looked at), `exp` and `sub` are required, iss/aud checked when configured (always
 * with a JWKS). The lifetime is bounded here (JWT_MAX_TTL), not only by whoever signed the token:
 * a leaked long-lived token would otherwise stay valid. `iat` and `nbf` in the future are refused
 * beyond a small clock-skew leeway; `exp` gets no leeway. The role is read at JWT_ROLE_CLAIM.
 *
 * Every refusal is the same opaque 401: callers learn nothing about why, and nothing of the
 * token is echoed. The precise reason goes to the log (never the token, never a claim value),
 * so whoever connects an identity provider can see which check failed. One exception: a token
 * valid in every other respect whose `sub` starts with `smartretail:` (the service's own jobs,
 * see internal-subject.ts) gets a 401 that says so, since its holder already proved a valid
 * signature and the fix is on their side (another subject), whether HS256 or from a JWKS.
 */
import { Injectable, Logger } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { errors, jwtVerify } from 'jose';
import { AppConfig } from '../config/app-config';
import { DomainError, DomainErrorCode } from '../common/domain-error';
import { DatabaseRole } from './database-role';
import { isInternalSubject, RESERVED_SUBJECT_MESSAGE } from './internal-subject';
import { roleAt } from './role-claim';
import { KeySetUnavailable, TokenKeys } from './token-keys';

export const TOKEN_ALGORITHM = 'HS256' as const;

export interface VerifiedToken {
  sub: string;
  role: DatabaseRole;
  claims: Record<string, unknown>;
}

export const unauthenticated = (): DomainError =>
  new DomainError(DomainErrorCode.Unauthenticated, 'A valid bearer token is required');

/** `|` for identity-provider subjects such as Auth0's `auth0|64f1c...`. */
export const SUBJECT_PATTERN = /^[\w.@:|-]{1,128}$/;

type TokenSettings = Pick<AppConfig, 'jwtSecret' | 'jwtIssuer' | 'jwtAudience'>;

/** The refusal of a reserved subject: its own message, since the token is otherwise valid. */
export const reservedSubject = (): DomainError =>
  new DomainError(DomainErrorCode.Unauthenticated, RESERVED_SUBJECT_MESSAGE);

class TokenRefused extends Error {}
class ReservedSubject extends TokenRefused {}

@Injectable()
export class RoleTokenService {
  private readonly logger = new Logger('RoleTokens');

  constructor(
    private readonly config: AppConfig,
    private readonly keys: TokenKeys,
  ) {}

  /** Throws an Unauthenticated DomainError for any token that is not fully valid. */
  async verify(token: string): Promise<VerifiedToken> {
    try {
      return await this.verified(token);
    } catch (error) {
      if (error instanceof KeySetUnavailable) {
        // Per token, so at warn: the failed fetch itself is logged once, at error (RemoteKeySet).
        this.logger.warn(`Token not verified: ${error.message}`);
        throw new DomainError(
          DomainErrorCode.Unavailable,
          "The identity provider's signing keys cannot be fetched right now",
        );
      }
      this.logger.warn(`Token refused: ${refusalReason(error)}`);
      throw error instanceof ReservedSubject ? reservedSubject() : unauthenticated();
    }
  }

  private async verified(token: string): Promise<VerifiedToken> {
    const { payload: claims } = await jwtVerify(token, this.keys.resolve, {
      algorithms: this.config.jwtAlgorithms,
      issuer: this.config.jwtIssuer,
      audience: this.config.jwtAudience,
      // Applies to nbf (wanted) and exp (not wanted): exp is checked again below, without it.
      clockTolerance: this.config.jwtClockSkewSeconds,
      requiredClaims: ['exp', 'sub'],
    });
    if (!this.withinLifetime(claims, Date.now() / 1000))
      throw new TokenRefused('its lifetime exceeds JWT_MAX_TTL, or it is expired or not yet valid');
    const { sub } = claims;
    if (typeof sub !== 'string' || !SUBJECT_PATTERN.test(sub))
      throw new TokenRefused('its sub claim is not 1-128 letters, digits or ._@:|-');
    const role = roleAt(claims, this.config.jwtRoleClaim);
    if (!role)
      throw new TokenRefused('no application role (admin, writer, analyst) at JWT_ROLE_CLAIM');
    // Last, so only a token that passed every other check learns why it is refused.
    if (isInternalSubject(sub))
      throw new ReservedSubject(
        'its sub claim starts with "smartretail:", reserved for the service\'s own jobs',
      );
    return { sub, role, claims };
  }

  /** exp required and strictly in the future; iat and nbf honoured when given. */
  private withinLifetime(claims: Record<string, unknown>, now: number): boolean {
    const { exp, iat, nbf } = claims;
    const skew = this.config.jwtClockSkewSeconds;
    const maxTtl = this.config.jwtMaxTtlSeconds;
    const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
    if (!isTime(exp) || exp <= now || exp - now > maxTtl + skew) return false;
    if (iat !== undefined && (!isTime(iat) || iat > now + skew || exp - iat > maxTtl)) return false;
    if (nbf !== undefined && (!isTime(nbf) || nbf > now + skew)) return false;
    return true;
  }
}

/** Why a token was refused, from a fixed vocabulary: safe to log, useful to an operator. */
function refusalReason(error: unknown): string {
  if (error instanceof TokenRefused) return error.message;
  if (error instanceof errors.JWTClaimValidationFailed)
    return `its ${error.claim} claim failed the check (${error.reason})`;
  if (error instanceof errors.JWTExpired) return 'it is expired';
  if (error instanceof errors.JOSEAlgNotAllowed)
    return 'its algorithm is not among JWT_ALGORITHMS, or has no key configured';
  if (error instanceof errors.JWKSNoMatchingKey)
    return 'no key of the JWKS matches its kid and algorithm (even after a refresh)';
  if (error instanceof errors.JWKSMultipleMatchingKeys)
    return 'several keys of the JWKS match it (the token names no kid)';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'its signature is invalid';
  if (error instanceof errors.JOSEError) return `it is malformed (${error.code})`;
  return 'it could not be verified';
}

export interface TokenRequest {
  role: DatabaseRole;
  sub: string;
  /** Lifetime in seconds. */
  ttlSeconds: number;
}

/** Signs a role token; used by `npm run token` and the tests. */
export function signRoleToken(settings: TokenSettings, request: TokenRequest): string {
  if (isInternalSubject(request.sub)) throw new Error(RESERVED_SUBJECT_MESSAGE);
  if (!settings.jwtSecret)
    throw new Error(
      'HS256 is not among JWT_ALGORITHMS, so the service would refuse this token: get one from the identity provider (or list HS256 too)',
    );
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
