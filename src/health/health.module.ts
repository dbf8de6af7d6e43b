import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ImportEngineModule } from '../imports/imports.module';
import { HealthController } from './health.controller';
import { HealthConnection } from './health-connection';
import { ReadinessIndicators } from './readiness.indicators';
import { ReadinessMetrics } from './readiness.metrics';

@Module({
  imports: [TerminusModule, ImportEngineModule],
  controllers: [HealthController],
  providers: [HealthConnection, ReadinessIndicators, ReadinessMetrics],
})
export class HealthModule {}
