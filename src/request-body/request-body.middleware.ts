/**
 * JSON and form bodies, read by express's own parsers (the ones Nest would mount) with a limit on
 * what a body may inflate to, and with their refusals made 4xx answers: 413 too large (checked
 * on the decompressed bytes as they come, so a gzip bomb is inflated only up to the limit), 415
 * an encoding or charset the parsers do not know, 400 a body that does not parse. Each is logged
 * once at warn and counted against the client address like a failed authentication: a client
 * that sends them again and again gets 429s.
 *
 * Mounted as module middleware after the access log and the HTTP metrics (Nest would mount its
 * parsers before them), so a refused body is logged and measured like any other answer.
 */
import { Injectable, Logger, NestMiddleware } from '@nestjs/common';
import { json, urlencoded, type NextFunction, type Request, type Response } from 'express';
import { requestIdOf } from '../common/request-id';
import { AuthFailureLimiter } from '../rate-limit/auth-failure-limiter';
import { bodyRefusal, REQUEST_BODY_LIMIT_BYTES } from './body-refusal';

type Parser = (req: Request, res: Response, next: (error?: unknown) => void) => void;

@Injectable()
export class RequestBodyMiddleware implements NestMiddleware {
  private readonly logger = new Logger('RequestBody');
  private readonly parsers: Parser[] = [
    json({ limit: REQUEST_BODY_LIMIT_BYTES }),
    urlencoded({ extended: true, limit: REQUEST_BODY_LIMIT_BYTES }),
  ];

  constructor(private readonly failures: AuthFailureLimiter) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const [parseJson, parseForm] = this.parsers;
    parseJson(req, res, (error) => {
      if (error) return void this.refuse(req, error, next);
      parseForm(req, res, (formError) =>
        formError ? void this.refuse(req, formError, next) : next(),
      );
    });
  }

  private async refuse(req: Request, error: unknown, next: NextFunction): Promise<void> {
    const refusal = bodyRefusal(error);
    // Not the client's fault (the parsers' own 5xx): the filter's 500, with its stack.
    if (!refusal) return next(error);
    this.logger.warn(
      `${req.method} ${req.path} refused its body [${requestIdOf(req)}]: ${refusal.cause}`,
    );
    try {
      next(await this.failures.refuse(req.ip ?? 'unknown', refusal.error, 'refused requests'));
    } catch (limiterError) {
      next(limiterError);
    }
  }
}
