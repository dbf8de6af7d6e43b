/**
 * Builds the Nest application with the cross-cutting HTTP setup (validation, error filter,
 * request ids, OpenAPI). Shared by main.ts and the end-to-end tests so both run the same stack.
 */
import { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { setUpOpenApi } from './common/openapi';
import { validationPipe } from './common/query/query-validation';
import { requestIdMiddleware } from './common/request-id';
import { securityHeaders } from './common/security-headers';
import { AppConfig } from './config/app-config';

const LEVELS: LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];

export async function createHttpApplication(config: AppConfig): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    logger: LEVELS.slice(0, LEVELS.indexOf(config.logLevel as LogLevel) + 1),
    bufferLogs: false,
  });
  app.disable('x-powered-by');
  // Off by default: only a configured proxy may say who the client is (rate limits count by it).
  app.set('trust proxy', config.trustProxy);
  app.use(securityHeaders());
  app.use(requestIdMiddleware);
  app.useGlobalPipes(validationPipe);
  app.useGlobalFilters(new HttpExceptionFilter());
  setUpOpenApi(app);
  return app;
}
