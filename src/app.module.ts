import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import type { DatabaseServerStatus } from './database/database-server-status';
import { DatabaseServerModule } from './database/database-server.module';
import { DatabaseModule } from './database/database.module';
import { DatasetsModule } from './datasets/datasets.module';
import { GdprModule } from './gdpr/gdpr.module';
import { HealthModule } from './health/health.module';
import { ImportRunEventsModule } from './imports/history/import-run-events';
import { ImportsModule } from './imports/imports.module';
import { KpisModule } from './kpis/kpis.module';
import { LoggingModule, LoggingParams } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { RequestBodyModule } from './request-body/request-body.module';

@Module({})
export class AppModule {
  /** `server`: the embedded PostgreSQL's status when this process supervises one. */
  static forRoot(
    config: AppConfig,
    logging: LoggingParams,
    server?: DatabaseServerStatus,
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(logging),
        DatabaseModule,
        DatabaseServerModule.forRoot(server),
        // Once, here: each forRoot() makes its own SchedulerRegistry, and jobs registered in one
        // are invisible to the other (the directory scan's job went missing that way).
        ScheduleModule.forRoot(),
        RateLimitModule,
        AuthModule,
        ImportRunEventsModule,
        HealthModule,
        ImportsModule,
        DatasetsModule,
        AuditModule,
        MetricsModule.forRoot(config),
        // After the access log and the metrics: their middleware then sees refused bodies too.
        RequestBodyModule,
        KpisModule,
        GdprModule,
      ],
    };
  }
}
