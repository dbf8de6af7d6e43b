import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

export const REQUEST_ID_HEADER = 'x-request-id';

/** A caller-supplied id is kept only if it is short and plain, so it is safe to log and echo. */
export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  const given = req.header(REQUEST_ID_HEADER);
  const id = given && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : randomUUID();
  (req as Request & { id: string }).id = id;
  res.setHeader(REQUEST_ID_HEADER, id);
  next();
}

export const requestIdOf = (req: Request): string =>
  (req as Request & { id?: string }).id ?? 'unknown';
