import { HttpStatus } from '@nestjs/common';
import { DomainErrorCode } from './domain-error';

/** Exhaustive: adding a code without a status is a compile error. */
export function statusOf(code: DomainErrorCode): HttpStatus {
  switch (code) {
    case DomainErrorCode.NotFound:
      return HttpStatus.NOT_FOUND;
    case DomainErrorCode.InvalidInput:
      return HttpStatus.BAD_REQUEST;
    case DomainErrorCode.Unauthenticated:
      return HttpStatus.UNAUTHORIZED;
    case DomainErrorCode.Forbidden:
      return HttpStatus.FORBIDDEN;
    case DomainErrorCode.Conflict:
      return HttpStatus.CONFLICT;
    case DomainErrorCode.PayloadTooLarge:
      return HttpStatus.PAYLOAD_TOO_LARGE;
    case DomainErrorCode.UnsupportedMediaType:
      return HttpStatus.UNSUPPORTED_MEDIA_TYPE;
    case DomainErrorCode.NotAcceptable:
      return HttpStatus.NOT_ACCEPTABLE;
    case DomainErrorCode.Unavailable:
      return HttpStatus.SERVICE_UNAVAILABLE;
    // Not a 500: nothing is broken, the database was busier or the ask costlier than the time
    // allowed. A 503 with Retry-After, which clients already handle for an outage (not a 504:
    // no gateway timed out, the service itself gave up).
    case DomainErrorCode.StatementTimeout:
      return HttpStatus.SERVICE_UNAVAILABLE;
    case DomainErrorCode.RequestTimeout:
      return HttpStatus.REQUEST_TIMEOUT;
    case DomainErrorCode.TooManyRequests:
      return HttpStatus.TOO_MANY_REQUESTS;
    case DomainErrorCode.IntegrityFailure:
      return HttpStatus.INTERNAL_SERVER_ERROR;
    case DomainErrorCode.InsufficientStorage:
      return HttpStatus.INSUFFICIENT_STORAGE;
  }
}
