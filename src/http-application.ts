/**
 * Builds the Nest application with the cross-cutting HTTP setup (validation, error filter,
 * request ids, OpenAPI). Shared by main.ts and the end-to-end tests so both run the same stack.
 */
import { INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as NestPinoLogger } from 'nestjs-pino';
import type { Logger as Pino } from 'pino';
import { AppModule } from './app.module';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { setUpOpenApi } from './common/openapi';
import { requestIdMiddleware } from './common/request-id';
import { AppConfig } from './config/app-config';
import { loggerParams } from './logging/logging.module';
import { createRootLogger } from './logging/root-logger';

/** `root`: the process's logger when main.ts made one already; otherwise one is made here. */
export async function createHttpApplication(
  config: AppConfig,
  root?: Pino,
): Promise<INestApplication> {
  const params = loggerParams(root ?? (await createRootLogger(config)));
  // Nest's own start-up lines wait for pino (LOG_LEVEL and LOG_FORMAT apply to them too).
  const app = await NestFactory.create(AppModule.forRoot(config, params), { bufferLogs: true });
  app.useLogger(app.get(NestPinoLogger));
  // Before the access log's middleware (module middleware runs after app.use ones).
  app.use(requestIdMiddleware);
  app.useGlobalPipes(
    new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
  );
  app.useGlobalFilters(new HttpExceptionFilter());
  setUpOpenApi(app);
  return app;
}
