/**
 * Tells a database outage (server stopped, restarting, unreachable, or no free pool connection
 * in time) from everything else. An outage is the service's temporary state, not the caller's
 * fault nor a bug: it becomes a 503 with Retry-After, and the service recovers by itself when
 * the database is back (the pool opens new connections on demand).
 */
import { DomainError, DomainErrorCode, insufficientStorage } from '../common/domain-error';

/** What a client should wait before retrying; a restart of PostgreSQL takes a few seconds. */
export const RETRY_AFTER_SECONDS = 5;

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND']);
// 08: connection exception; 57P01-03: admin/crash shutdown, cannot connect now; 53300: too many
// connections.
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123]|53300)$/;
const CONNECTION_MESSAGES =
  /Connection terminated|connection error and is not queryable|Cannot use a pool after calling end|Client was closed and is not queryable|terminating connection due to administrator command/;
/** pg-pool's message when no connection was free within connectionTimeoutMillis. */
const POOL_TIMEOUT = /timeout exceeded when trying to connect/;

interface ErrorLike {
  message?: unknown;
  code?: unknown;
}

/**
 * The error and what it wraps (TypeORM's driverError, a cause). Duck-typed, not instanceof
 * Error: socket errors come from Node's core and need not share this module's Error.
 */
function causes(error: unknown): ErrorLike[] {
  const chain: ErrorLike[] = [];
  for (let e = error; e && chain.length < 5;) {
    chain.push(e);
    const next =
      (e as { driverError?: unknown; cause?: unknown }).driverError ??
      (e as { cause?: unknown }).cause;
    if (next === e) break;
    e = next;
  }
  return chain;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

export function isPoolExhausted(error: unknown): boolean {
  return causes(error).some((e) => POOL_TIMEOUT.test(text(e.message)));
}

export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof DomainError) return error.code === DomainErrorCode.Unavailable;
  return causes(error).some((e) => {
    const code = text(e.code);
    const message = text(e.message);
    return (
      CONNECTION_CODES.has(code) ||
      UNAVAILABLE_SQLSTATE.test(code) ||
      CONNECTION_MESSAGES.test(message) ||
      POOL_TIMEOUT.test(message)
    );
  });
}

/**
 * PostgreSQL cancelled a statement because it outlasted statement_timeout: SQLSTATE 57014
 * (query_canceled) with the timeout's message; the same code with "due to user request" is a
 * cancel (the shutdown's interrupter, an operator's pg_cancel_backend), not a timeout.
 */
export function isStatementTimeout(error: unknown): boolean {
  if (error instanceof DomainError) return error.code === DomainErrorCode.StatementTimeout;
  return causes(error).some(
    (e) => text(e.code) === '57014' && /statement timeout/.test(text(e.message)),
  );
}

/**
 * A statement timeout as the caller should see it: a 503 with Retry-After that says what
 * happened and what to try, never the driver's text; a caller that set its own timeout says so.
 */
export const statementTimedOut = (
  message = 'the query took longer than STATEMENT_TIMEOUT_MS allows and was cancelled; retry shortly, or ask for less (narrower filters, a smaller limit)',
  details: Record<string, unknown> = {},
): DomainError =>
  new DomainError(DomainErrorCode.StatementTimeout, message, {
    retryAfterSeconds: RETRY_AFTER_SECONDS,
    ...details,
  });

/**
 * PostgreSQL could not write for want of disk (SQLSTATE 53100 disk_full): the service's state,
 * neither the caller's fault nor a bug, so a 507 rather than a 500.
 */
export function isDiskFull(error: unknown): boolean {
  if (error instanceof DomainError) return error.code === DomainErrorCode.InsufficientStorage;
  return causes(error).some(
    (e) => text(e.code) === '53100' || /No space left on device/.test(text(e.message)),
  );
}

export const unavailable = (message: string, details: Record<string, unknown> = {}): DomainError =>
  new DomainError(DomainErrorCode.Unavailable, message, {
    retryAfterSeconds: RETRY_AFTER_SECONDS,
    ...details,
  });

/** The outage (or full disk, or a statement timeout) as the caller should see it; anything else is returned unchanged. */
export function asUnavailable(error: unknown): unknown {
  if (error instanceof DomainError) return error;
  if (isDiskFull(error))
    return insufficientStorage(
      "the database's disk is full; nothing was changed: free space where it lives, then retry",
    );
  if (isStatementTimeout(error)) return statementTimedOut();
  if (!isDatabaseUnavailable(error)) return error;
  return isPoolExhausted(error)
    ? unavailable('every database connection is busy; retry shortly')
    : unavailable('the database is unavailable; retry shortly');
}
