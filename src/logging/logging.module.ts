import { DynamicModule, Module } from '@nestjs/common';
import type { Request, Response } from 'express';
import { LoggerModule, Params } from 'nestjs-pino';
import type { Logger } from 'pino';
import { accessLogOptions } from './access-log';
import { ImportRunLog } from './import-run-log';

export type LoggingParams = Params<Request, Response>;

/** nestjs-pino's parameters for a root logger: the access log, written through that logger. */
export const loggerParams = (root: Logger): LoggingParams => ({
  pinoHttp: accessLogOptions(root),
  // Mounted with use() like the metrics middleware: nestjs-pino's default catch-all is mounted
  // as a route, and Express would then leave it as `req.route` of requests no controller
  // matched, which the access log and the HTTP metrics read as the route template.
  forRoutes: ['{*path}'],
});

/** Structured logs: Nest's Logger through pino, the access log, and the import-run log. */
@Module({})
export class LoggingModule {
  static forRoot(params: LoggingParams): DynamicModule {
    return {
      module: LoggingModule,
      imports: [LoggerModule.forRoot(params)],
      providers: [ImportRunLog],
    };
  }
}
