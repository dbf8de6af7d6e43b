import { Injectable, NestMiddleware } from '@nestjs/common';
import { InjectMetric, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import type { NextFunction, Request, Response } from 'express';
import { Histogram } from 'prom-client';

export const HTTP_REQUEST_DURATION = 'smartretail_http_request_duration_seconds';

export const httpMetricProviders = [
  makeHistogramProvider({
    name: HTTP_REQUEST_DURATION,
    help: 'HTTP request duration by method, route template and status class.',
    labelNames: ['method', 'route', 'status_class'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  }),
];

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Times every request, including those refused by guards or never routed (an interceptor would
 * miss both). The route label is Express's matched template (`/kpis/:name`), never the raw URL,
 * so ids and query strings cannot create unbounded series; unmatched requests share one label.
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(@InjectMetric(HTTP_REQUEST_DURATION) private readonly duration: Histogram<string>) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const stop = this.duration.startTimer();
    res.once('finish', () => {
      const template = (req.route as { path?: unknown } | undefined)?.path;
      stop({
        method: KNOWN_METHODS.has(req.method) ? req.method : 'OTHER',
        route: typeof template === 'string' ? `${req.baseUrl}${template}` : 'unmatched',
        status_class: `${Math.floor(res.statusCode / 100)}xx`,
      });
    });
    next();
  }
}
