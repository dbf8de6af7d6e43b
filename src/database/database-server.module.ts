import { DynamicModule, Global, Module } from '@nestjs/common';
import { DatabaseServerStatus } from './database-server-status';

/**
 * Makes the status of the database server injectable: the embedded PostgreSQL's supervisor's
 * when `npm start` runs one, else an empty one (DATABASE_URL, tests, CLIs).
 */
@Global()
@Module({})
export class DatabaseServerModule {
  static forRoot(status = new DatabaseServerStatus()): DynamicModule {
    return {
      module: DatabaseServerModule,
      providers: [{ provide: DatabaseServerStatus, useValue: status }],
      exports: [DatabaseServerStatus],
    };
  }
}
