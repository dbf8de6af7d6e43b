import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { asUnavailable, RETRY_AFTER_SECONDS } from '../database/database-unavailable';
import { DomainError } from './domain-error';
import { statusOf } from './domain-error-status';
import { requestIdOf } from './request-id';

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
  requestId: string;
  details?: Record<string, unknown>;
}

/**
 * The one place errors become HTTP responses: `{ statusCode, error, message, requestId }`.
 * HTTP and domain errors pass through with their message; anything else is a 500 whose body
 * says nothing about internals (the log has the stack, under the same request id).
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const body = this.toBody(asUnavailable(exception), requestIdOf(req));
    const route = `${req.method} ${req.route ? (req.route as { path: string }).path : req.path}`;
    if (body.statusCode === 503) {
      // An outage or back-pressure: expected, temporary, and already explained in the message.
      this.logger.warn(`${route} answered 503 [${body.requestId}]: ${String(body.message)}`);
    } else if (body.statusCode >= 500) {
      this.logger.error(
        `${route} failed [${body.requestId}]`,
        exception instanceof Error ? exception.stack : String(exception),
      );
    }
    if (res.headersSent) return;
    // RFC 6750: a 401 names the scheme the client should use, and nothing more.
    if (body.statusCode === 401) res.setHeader('WWW-Authenticate', 'Bearer');
    // RFC 9110: a 503 says when to come back; the outage is temporary by design.
    if (body.statusCode === 503) res.setHeader('Retry-After', String(retryAfter(body)));
    // RFC 6585: a 429 says when the limit frees up again.
    if (body.statusCode === 429) res.setHeader('Retry-After', String(retryAfter(body)));
    // A 408 ends the conversation: the client is still trickling a body nobody will read.
    if (body.statusCode === 408) res.setHeader('Connection', 'close');
    res.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown, requestId: string): ErrorBody {
    if (exception instanceof DomainError) {
      const statusCode = statusOf(exception.code);
      return {
        statusCode,
        error: reason(statusCode),
        message: exception.message,
        requestId,
        details: exception.details,
      };
    }
    if (exception instanceof HttpException) {
      const statusCode = exception.getStatus();
      const response = exception.getResponse();
      const message =
        typeof response === 'string'
          ? response
          : ((response as { message?: string | string[] }).message ?? exception.message);
      return { statusCode, error: reason(statusCode), message, requestId };
    }
    const statusCode = HttpStatus.INTERNAL_SERVER_ERROR;
    return { statusCode, error: reason(statusCode), message: 'Internal server error', requestId };
  }
}

function retryAfter(body: ErrorBody): number {
  const seconds = body.details?.retryAfterSeconds;
  return typeof seconds === 'number' && seconds > 0 ? seconds : RETRY_AFTER_SECONDS;
}

function reason(status: number): string {
  const name = HttpStatus[status];
  if (!name) return 'Error';
  return name
    .toLowerCase()
    .split('_')
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join(' ');
}
