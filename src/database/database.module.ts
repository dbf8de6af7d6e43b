import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MIGRATIONS } from '../../migrations';
import { AppConfig } from '../config/app-config';
import { urlForRole } from './connection-url';
import { IntegrityFailureReporter } from './integrity-failure-reporter';
import { RoleScopedTransactions } from './role-scoped-transactions';
import { sslOptions } from './ssl-options';
import { TransactionAdvisoryLocks } from './transaction-advisory-locks';
import { TransactionInterrupter } from './transaction-interrupter';
import { QueryErrorLogger } from './query-error-logger';

/**
 * The service's runtime pool logs in as app_user, which holds no data privileges of its own:
 * every query must go through RoleScopedTransactions to act as admin, writer or analyst.
 * Schema changes happen before the app starts, as the owner (see database-migrator.ts).
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        type: 'postgres' as const,
        url: urlForRole(config.databaseUrl, 'app_user', config.appDbPassword),
        ssl: sslOptions(config.dbSsl),
        migrations: MIGRATIONS,
        migrationsTableName: 'migrations',
        synchronize: false,
        migrationsRun: false,
        extra: {
          // Imports hold connections for minutes: two more per import that may run (its lock's
          // transaction and its work, see TransactionAdvisoryLocks), so that requests keep
          // DB_POOL_SIZE connections however many imports run (a 100,000-client upload under
          // `npm run load -- --with-import` cost readers 503s "every database connection is
          // busy" when it took one of theirs).
          max: config.dbPoolSize + 2 * config.importConcurrency,
          // Waiting for a free connection is bounded: an exhausted pool answers 503, never hangs.
          connectionTimeoutMillis: config.dbAcquireTimeoutMs,
          application_name: 'smartretail',
        },
        logger: new QueryErrorLogger(),
      }),
    }),
  ],
  providers: [
    RoleScopedTransactions,
    TransactionAdvisoryLocks,
    TransactionInterrupter,
    IntegrityFailureReporter,
  ],
  exports: [
    RoleScopedTransactions,
    TransactionAdvisoryLocks,
    TransactionInterrupter,
    IntegrityFailureReporter,
  ],
})
export class DatabaseModule {}
