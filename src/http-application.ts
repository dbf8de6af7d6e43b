/**
 * Builds the Nest application with the cross-cutting HTTP setup (validation, error filter,
 * request ids, OpenAPI). Shared by main.ts and the end-to-end tests so both run the same stack.
 */
import { INestApplication } from '@nestjs/common';
import compression from 'compression';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger as NestPinoLogger } from 'nestjs-pino';
import type { Logger as Pino } from 'pino';
import { AppModule } from './app.module';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { setUpOpenApi } from './common/openapi';
import { closeConnectionsInStages } from './common/staged-close';
import { validationPipe } from './common/query/query-validation';
import { requestIdMiddleware } from './common/request-id';
import { securityHeaders } from './common/security-headers';
import { AppConfig } from './config/app-config';
import type { DatabaseServerStatus } from './database/database-server-status';
import { loggerParams } from './logging/logging.module';
import { createRootLogger } from './logging/root-logger';

/**
 * `root`: the process's logger when main.ts made one already; otherwise one is made here.
 * `server`: the status of the embedded PostgreSQL main.ts supervises, if any.
 */
export async function createHttpApplication(
  config: AppConfig,
  root?: Pino,
  server?: DatabaseServerStatus,
): Promise<INestApplication> {
  const params = loggerParams(root ?? (await createRootLogger(config)));
  // Nest's own start-up lines wait for pino (LOG_LEVEL and LOG_FORMAT apply to them too).
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, params, server),
    {
      bufferLogs: true,
      // RequestBodyModule mounts the parsers instead: after the access log, with 4xx refusals.
      bodyParser: false,
    },
  );
  app.useLogger(app.get(NestPinoLogger));
  // An upload refused before its body is read must not end in a reset (see staged-close.ts).
  closeConnectionsInStages(app.getHttpServer());
  app.disable('x-powered-by');
  // Off by default: only a configured proxy may say who the client is (rate limits count by it).
  app.set('trust proxy', config.trustProxy);
  app.use(securityHeaders());
  // gzip/deflate when the client sends Accept-Encoding (record pages and CSV exports shrink ~5x).
  app.use(compression());
  // Before the access log's middleware (module middleware runs after app.use ones).
  app.use(requestIdMiddleware);
  app.useGlobalPipes(validationPipe);
  app.useGlobalFilters(new HttpExceptionFilter());
  setUpOpenApi(app);
  return app;
}
