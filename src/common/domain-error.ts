/**
 * Typed domain errors. Features throw these (never HttpException from services), and the one
 * global filter maps each code to an HTTP status.
 */
export enum DomainErrorCode {
  NotFound = 'NOT_FOUND',
  InvalidInput = 'INVALID_INPUT',
  Unauthenticated = 'UNAUTHENTICATED',
  Forbidden = 'FORBIDDEN',
  Conflict = 'CONFLICT',
  PayloadTooLarge = 'PAYLOAD_TOO_LARGE',
  UnsupportedMediaType = 'UNSUPPORTED_MEDIA_TYPE',
  NotAcceptable = 'NOT_ACCEPTABLE',
  Unavailable = 'UNAVAILABLE',
  /** A statement outlasted its timeout and PostgreSQL cancelled it: load or a costly ask, a 503. */
  StatementTimeout = 'STATEMENT_TIMEOUT',
  RequestTimeout = 'REQUEST_TIMEOUT',
  TooManyRequests = 'TOO_MANY_REQUESTS',
  /** A stored value failed its integrity check: the operator's problem, a 500 for the caller. */
  IntegrityFailure = 'INTEGRITY_FAILURE',
  /** No room left to store what was asked (the disk the database lives on is nearly full). */
  InsufficientStorage = 'INSUFFICIENT_STORAGE',
}

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (message: string): DomainError =>
  new DomainError(DomainErrorCode.NotFound, message);
export const invalidInput = (message: string, details?: Record<string, unknown>): DomainError =>
  new DomainError(DomainErrorCode.InvalidInput, message, details);
export const forbidden = (message = 'Your role may not do this'): DomainError =>
  new DomainError(DomainErrorCode.Forbidden, message);

/** None of the media types the client accepts can be served. */
export const notAcceptable = (message: string): DomainError =>
  new DomainError(DomainErrorCode.NotAcceptable, message);

/** A rate limit was reached; the filter sends Retry-After from `retryAfterSeconds`. */
export const tooManyRequests = (message: string, retryAfterSeconds: number): DomainError =>
  new DomainError(DomainErrorCode.TooManyRequests, message, { retryAfterSeconds });

/** Not enough free disk to do it safely; nothing was changed (RFC 4918's 507). */
export const insufficientStorage = (
  message: string,
  details?: Record<string, unknown>,
): DomainError => new DomainError(DomainErrorCode.InsufficientStorage, message, details);
