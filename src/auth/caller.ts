import type { DatabaseRole } from './database-role';

/** Who is asking, as proven by a verified role token. Attached to the request by AccessGuard. */
export interface Caller {
  sub: string;
  role: DatabaseRole;
  /** The verified claims, published to PostgreSQL as request.jwt.claims for auditing. */
  claims: Record<string, unknown>;
  /** The server's request id, so audit rows can be matched with logs. */
  requestId: string;
  /** The caller's own X-Request-Id, if any: kept for correlation, never as the audit key. */
  correlationId?: string;
}

export const CALLER_KEY = 'smartretailCaller';
