/**
 * The access log: one line per request, written by pino-http when the response is finished
 * (or the connection closed). Its fields are picked one by one: never a header (so never the
 * token or a cookie), never the query string (tokens, e-mail look-ups), never a body.
 */
import type { Request, Response } from 'express';
import type { Level, Logger } from 'pino';
import type { Options } from 'pino-http';
import { CALLER_KEY, type Caller } from '../auth/caller';
import { assignRequestId, correlationIdOf } from '../common/request-id';

export interface AccessLogFields {
  context: 'AccessLog';
  method: string;
  /** The route template (`/datasets/:dataset/records`), or null when no route matched. */
  route: string | null;
  status: number;
  durationMs: number;
  /** Bytes of the response body, as sent in Content-Length; null when unknown. */
  bytes: number | null;
  /** The verified token's subject and role; absent when no valid token was presented. */
  sub?: string;
  role?: string;
  /** The caller's own X-Request-Id, when it sent a plain one (the request id is the server's). */
  correlationId?: string;
  /** The client went away before the response was complete. */
  aborted?: true;
}

/**
 * Successful probes and scrapes come every few seconds: they log at debug, so the access log
 * at the default level shows what people and clients did. Their failures still log at info.
 */
const PROBES = /^\/(health\/(live|ready)|metrics)$/;

export function accessLogOptions(logger: Logger): Options<Request, Response> {
  return {
    logger,
    // Keep the root logger's serializers (its `req` one drops the query string).
    wrapSerializers: false,
    // Logs made while handling a request carry its id, not the whole request.
    quietReqLogger: true,
    quietResLogger: true,
    customAttributeKeys: { reqId: 'requestId', responseTime: 'durationMs' },
    // The request-id middleware runs first; this only matters if it ever did not.
    genReqId: (req, res) => assignRequestId(req, res),
    customLogLevel: (req, res, error) => levelOf(req, res, error),
    customSuccessMessage: (req, res) => summary(req, res),
    customErrorMessage: (req, res) => summary(req, res),
    customSuccessObject: (req, res, value: { durationMs: number }) =>
      accessFields(req, res, value.durationMs),
    // The error itself is logged, with its stack, by HttpExceptionFilter under the same id.
    customErrorObject: (req, res, _error, value: { durationMs: number }) =>
      accessFields(req, res, value.durationMs),
  };
}

export function accessFields(req: Request, res: Response, durationMs: number): AccessLogFields {
  const caller = (req as unknown as Record<string, Caller | undefined>)[CALLER_KEY];
  const length = Number(res.getHeader('content-length'));
  const correlationId = correlationIdOf(req);
  return {
    context: 'AccessLog',
    method: req.method,
    route: routeOf(req),
    status: res.statusCode,
    durationMs,
    bytes: Number.isFinite(length) ? length : null,
    ...(caller && { sub: caller.sub, role: caller.role }),
    ...(correlationId && { correlationId }),
    ...(!res.writableFinished && { aborted: true as const }),
  };
}

function levelOf(req: Request, res: Response, error?: Error): Level {
  if (error || res.statusCode >= 500) return 'error';
  if (res.statusCode < 400 && PROBES.test(routeOf(req) ?? '')) return 'debug';
  return 'info';
}

const summary = (req: Request, res: Response): string =>
  `${req.method} ${routeOf(req) ?? '(no route)'} ${res.statusCode}`;

/** Express keeps the matched route on the request; its path is the template, not the URL. */
function routeOf(req: Request): string | null {
  const route = req.route as { path?: unknown } | undefined;
  return typeof route?.path === 'string' ? `${req.baseUrl}${route.path}` : null;
}
