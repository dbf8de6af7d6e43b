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
