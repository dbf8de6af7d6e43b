import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';

export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * Gives the request its id (once) and echoes it in the response. A caller-supplied id is kept
 * only if it is short and plain, so it is safe to log and echo.
 */
export function assignRequestId(req: IncomingMessage, res: ServerResponse): string {
  const request = req as IncomingMessage & { id?: string };
  if (request.id) return request.id;
  const given = req.headers[REQUEST_ID_HEADER];
  const id =
    typeof given === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : randomUUID();
  request.id = id;
  res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  assignRequestId(req, res);
  next();
}

export const requestIdOf = (req: Request): string =>
  (req as Request & { id?: string }).id ?? 'unknown';
