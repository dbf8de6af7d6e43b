import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

export const REQUEST_ID_HEADER = 'x-request-id';
export const CORRELATION_ID_HEADER = 'x-correlation-id';

interface IdentifiedRequest {
  id?: string;
  correlationId?: string;
}

/**
 * Every request gets the server's own id (a UUID): it is the key of logs and audit rows, so a
 * caller cannot choose it. A caller's X-Request-Id is kept apart as a correlation id (only if
 * short and plain, so it is safe to log and echo) and sent back as X-Correlation-Id.
 */
export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  const given = req.header(REQUEST_ID_HEADER);
  const target = req as Request & IdentifiedRequest;
  target.id = randomUUID();
  res.setHeader(REQUEST_ID_HEADER, target.id);
  if (given && /^[A-Za-z0-9._-]{1,64}$/.test(given)) {
    target.correlationId = given;
    res.setHeader(CORRELATION_ID_HEADER, given);
  }
  next();
}

export const requestIdOf = (req: Request): string =>
  (req as Request & IdentifiedRequest).id ?? 'unknown';

export const correlationIdOf = (req: Request): string | undefined =>
  (req as Request & IdentifiedRequest).correlationId;
