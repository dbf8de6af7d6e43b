import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppConfig } from '../../config/app-config';
import { ConfigModule } from '../../config/config.module';
import { DatabaseServerModule } from '../../database/database-server.module';
import { DatabaseModule } from '../../database/database.module';
import { ImportRunEventsModule } from '../history/import-run-events';
import { ImportEngineModule } from '../imports.module';

/**
 * The import engine without HTTP or the scheduler, for processes that import and exit (the
 * CLI, the benchmark). Close the returned context when done.
 */
export async function createImportEngineContext(
  config: AppConfig,
): Promise<INestApplicationContext> {
  @Module({
    imports: [
      ConfigModule.forRoot(config),
      DatabaseModule,
      DatabaseServerModule.forRoot(),
      ImportRunEventsModule,
      ImportEngineModule,
    ],
  })
  class ImportEngineContextModule {}
  return NestFactory.createApplicationContext(ImportEngineContextModule, {
    logger: ['error', 'warn'],
  });
}
