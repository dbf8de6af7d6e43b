import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';

export const REQUEST_ID_HEADER = 'x-request-id';
export const CORRELATION_ID_HEADER = 'x-correlation-id';

interface IdentifiedRequest {
  id?: string;
  correlationId?: string;
}

/**
 * Gives the request the server's own id (a UUID, once; the access log and the middleware both
 * ask): it is the key of logs and audit rows, so a caller cannot choose it. A caller's
 * X-Request-Id is kept apart as a correlation id (only if short and plain, so it is safe to log
 * and echo) and sent back as X-Correlation-Id.
 */
export function assignRequestId(req: IncomingMessage, res: ServerResponse): string {
  const request = req as IncomingMessage & IdentifiedRequest;
  if (request.id) return request.id;
  request.id = randomUUID();
  res.setHeader(REQUEST_ID_HEADER, request.id);
  const given = req.headers[REQUEST_ID_HEADER];
  if (typeof given === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(given)) {
    request.correlationId = given;
    res.setHeader(CORRELATION_ID_HEADER, given);
  }
  return request.id;
}

export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  assignRequestId(req, res);
  next();
}

export const requestIdOf = (req: Request): string =>
  (req as Request & IdentifiedRequest).id ?? 'unknown';

export const correlationIdOf = (req: Request): string | undefined =>
  (req as Request & IdentifiedRequest).correlationId;
