/**
 * The OpenAPI document the service serves, built without a database: Nest's preview mode builds
 * the module graph (controllers and their decorators) without instantiating any provider, so
 * nothing connects anywhere. The configuration is a throwaway one (random keys, an unreachable
 * URL): no value of it reaches the document. Used by `npm run openapi` and the tests.
 */
import { NestFactory } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { AppModule } from '../app.module';
import { loadConfig } from '../config/app-config';
import { loggerParams } from '../logging/logging.module';
import { buildOpenApiDocument } from './openapi';

export async function buildOfflineOpenApiDocument(): Promise<OpenAPIObject> {
  const secret = (): string => randomBytes(32).toString('hex');
  const config = loadConfig(
    {
      DATABASE_URL: 'postgres://openapi@127.0.0.1:9/openapi',
      ENCRYPTION_KEY: secret(),
      BLIND_INDEX_KEY: secret(),
      JWT_SECRET: secret(),
      APP_DB_PASSWORD: secret(),
      GRAFANA_DB_PASSWORD: secret(),
      LOG_FORMAT: 'json',
    },
    { embedded: false },
  );
  const app = await NestFactory.create(
    AppModule.forRoot(config, loggerParams(pino({ enabled: false }))),
    { preview: true, logger: false },
  );
  try {
    return buildOpenApiDocument(app);
  } finally {
    await app.close();
  }
}
