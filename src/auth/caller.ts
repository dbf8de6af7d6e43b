import type { DatabaseRole } from '../database/role-scoped-transactions';

/** Who is asking, as proven by a verified role token. Attached to the request by AccessGuard. */
export interface Caller {
  sub: string;
  role: DatabaseRole;
  /** The verified claims, published to PostgreSQL as request.jwt.claims for auditing. */
  claims: Record<string, unknown>;
  /** The request id, so audit rows can be matched with logs. */
  requestId: string;
}

export const CALLER_KEY = 'smartretailCaller';
