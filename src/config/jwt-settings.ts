/**
 * How role tokens are verified: which algorithms, with which keys, and where the role is found.
 *
 * The rule that keeps HMAC and public-key tokens from being mixed by accident: each algorithm
 * family has its own key and nothing else. HS256 is verified with JWT_SECRET only; RS/PS/ES/EdDSA
 * with the JWKS only (JWT_JWKS_URL or JWT_JWKS_FILE). The default list follows what is configured
 * (HS256 without a JWKS, RS256,ES256,EdDSA with one), so both families are accepted only when
 * JWT_ALGORITHMS lists both explicitly. Every combination that would leave a listed algorithm
 * without its key, or a configured key without an algorithm, is refused at start-up.
 */
import type { JSONWebKeySet } from 'jose';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';

export const HMAC_ALGORITHMS = ['HS256'] as const;
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;
export type TokenAlgorithm =
  (typeof HMAC_ALGORITHMS)[number] | (typeof ASYMMETRIC_ALGORITHMS)[number];

const KNOWN: readonly string[] = [...HMAC_ALGORITHMS, ...ASYMMETRIC_ALGORITHMS];
const DEFAULT_WITHOUT_JWKS: TokenAlgorithm[] = ['HS256'];
/** What Keycloak, Auth0, Entra ID and Okta sign with (RS256 by default), plus ES256 and EdDSA. */
const DEFAULT_WITH_JWKS: TokenAlgorithm[] = ['RS256', 'ES256', 'EdDSA'];

export const isHmacAlgorithm = (alg: string): boolean =>
  (HMAC_ALGORITHMS as readonly string[]).includes(alg);

/**
 * The largest JWKS answer read. A provider's set holds a few keys of a few kB each (Keycloak,
 * Auth0 and Entra ID publish 2 to 10): 1 MiB leaves room for hundreds, and a provider answering
 * 50 MB (misconfigured, or not the provider) no longer costs us 200 MB of memory.
 */
export const JWKS_MAX_BYTES = 1024 * 1024;

export interface JwksUrlSource {
  kind: 'url';
  url: URL;
  /** The whole fetch, headers and body. */
  timeoutMs: number;
  /** At most one fetch per cooldown, failed or not. */
  cooldownMs: number;
  maxAgeMs: number;
  maxBytes: number;
}

/** Where the verified public keys come from. */
export type JwksSource = JwksUrlSource | { kind: 'file'; path: string; keySet: JSONWebKeySet };

/** The raw variables these settings are built from (already type-checked by class-validator). */
export interface JwtVariables {
  JWT_SECRET?: string;
  JWT_ALGORITHMS?: string;
  JWT_JWKS_URL?: string;
  JWT_JWKS_FILE?: string;
  /** Defaults applied by EnvironmentVariables. */
  JWT_JWKS_TIMEOUT_MS: number;
  JWT_JWKS_COOLDOWN_MS: number;
  JWT_JWKS_MAX_AGE_MS: number;
  JWT_ISSUER?: string;
  JWT_AUDIENCE?: string;
  JWT_ROLE_CLAIM?: string;
}

/**
 * A claim path like PostgREST's jwt-role-claim-key: segments separated by dots, a segment in
 * double quotes may contain dots and slashes (Auth0's namespaced claims:
 * `"https://smartretail.example/role"`).
 */
const SEGMENT = /^(?:([A-Za-z0-9_$:-]+)|"([^"]+)")(?:\.|$)/;

export function parseClaimPath(raw: string): string[] | undefined {
  const segments: string[] = [];
  let rest = raw;
  while (rest.length) {
    const match = SEGMENT.exec(rest);
    if (!match || (match[0].endsWith('.') && match[0].length === rest.length)) return undefined;
    segments.push(match[1] ?? match[2]);
    rest = rest.slice(match[0].length);
  }
  return segments.length ? segments : undefined;
}

export function parseAlgorithms(raw: string | undefined, hasJwks: boolean): TokenAlgorithm[] {
  if (raw === undefined) return hasJwks ? DEFAULT_WITH_JWKS : DEFAULT_WITHOUT_JWKS;
  return [...new Set(raw.split(',').map((a) => a.trim()))] as TokenAlgorithm[];
}

/** Plain http only to this machine: a JWKS fetched in clear could be swapped for an attacker's. */
function jwksUrlProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'JWT_JWKS_URL must be an absolute https:// URL';
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const loopback =
    host === 'localhost' || host === '::1' || (isIP(host) === 4 && /^127\./.test(host));
  if (url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) return undefined;
  return 'JWT_JWKS_URL must be an https:// URL (plain http only on localhost)';
}

/** Members that only private or secret keys have: a verifier needs none of them. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/**
 * Reads JWT_JWKS_FILE: public RSA, EC or OKP keys only. A symmetric (`oct`) key in the set is
 * refused: it would turn the public key set into a source of HMAC secrets.
 */
export function readJwksFile(path: string): { keySet?: JSONWebKeySet; problem?: string } {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return { problem: 'JWT_JWKS_FILE must name a readable JSON Web Key Set file' };
  }
  const keys = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || !keys.length || !keys.every((k) => typeof k === 'object' && k))
    return { problem: 'JWT_JWKS_FILE must hold a JSON Web Key Set: {"keys": [...]}, not empty' };
  const publicOnly = (keys as Record<string, unknown>[]).every(
    (k) =>
      ['RSA', 'EC', 'OKP'].includes(k.kty as string) &&
      PRIVATE_MEMBERS.every((member) => !(member in k)),
  );
  return publicOnly
    ? { keySet: document as JSONWebKeySet }
    : {
        problem: 'JWT_JWKS_FILE must hold public RSA, EC or OKP keys only (no private or oct keys)',
      };
}

/** Every problem with the token settings, each naming its variable; never echoes a value. */
export function jwtSettingsProblems(env: JwtVariables): string[] {
  const problems: string[] = [];
  const hasJwks = !!(env.JWT_JWKS_URL || env.JWT_JWKS_FILE);
  if (env.JWT_JWKS_URL && env.JWT_JWKS_FILE)
    problems.push('JWT_JWKS_URL and JWT_JWKS_FILE are exclusive: set one of them');
  if (env.JWT_JWKS_URL) {
    const problem = jwksUrlProblem(env.JWT_JWKS_URL);
    if (problem) problems.push(problem);
  }
  if (env.JWT_JWKS_FILE) {
    const { problem } = readJwksFile(env.JWT_JWKS_FILE);
    if (problem) problems.push(problem);
  }
  const algorithms = parseAlgorithms(env.JWT_ALGORITHMS, hasJwks);
  const unknown = algorithms.filter((a) => !KNOWN.includes(a));
  if (unknown.length || !algorithms.length) {
    problems.push(`JWT_ALGORITHMS must be a comma-separated list of ${KNOWN.join(', ')}`);
    return problems;
  }
  const asymmetric = algorithms.filter((a) => !isHmacAlgorithm(a));
  if (asymmetric.length && !hasJwks)
    problems.push(
      `JWT_ALGORITHMS lists ${asymmetric.join(', ')}: set JWT_JWKS_URL or JWT_JWKS_FILE (their public keys)`,
    );
  if (hasJwks && !asymmetric.length)
    problems.push(
      'JWT_ALGORITHMS lists no asymmetric algorithm, yet a JWKS is configured: list RS256, ES256 or EdDSA, or remove JWT_JWKS_URL/JWT_JWKS_FILE',
    );
  if (hasJwks && !env.JWT_ISSUER)
    problems.push('JWT_ISSUER is required with a JWKS (the issuer URL of the identity provider)');
  if (hasJwks && !env.JWT_AUDIENCE)
    problems.push('JWT_AUDIENCE is required with a JWKS (the audience the tokens are issued for)');
  if (env.JWT_ROLE_CLAIM !== undefined && !parseClaimPath(env.JWT_ROLE_CLAIM))
    problems.push(
      'JWT_ROLE_CLAIM must be a claim path such as role, app_metadata.role, realm_access.roles or "https://example.com/role"',
    );
  return problems;
}

/** Whether JWT_SECRET is needed: only when HS256 may be verified (or signed by `npm run token`). */
export const needsJwtSecret = (env: JwtVariables): boolean =>
  parseAlgorithms(env.JWT_ALGORITHMS, !!(env.JWT_JWKS_URL || env.JWT_JWKS_FILE)).some(
    isHmacAlgorithm,
  );

export function jwksSource(env: JwtVariables): JwksSource | undefined {
  if (env.JWT_JWKS_FILE) {
    const { keySet } = readJwksFile(env.JWT_JWKS_FILE);
    return keySet && { kind: 'file', path: env.JWT_JWKS_FILE, keySet };
  }
  if (!env.JWT_JWKS_URL) return undefined;
  return {
    kind: 'url',
    url: new URL(env.JWT_JWKS_URL),
    timeoutMs: env.JWT_JWKS_TIMEOUT_MS,
    cooldownMs: env.JWT_JWKS_COOLDOWN_MS,
    maxAgeMs: env.JWT_JWKS_MAX_AGE_MS,
    maxBytes: JWKS_MAX_BYTES,
  };
}
