import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ImportEngineModule } from '../imports/imports.module';
import { HealthController } from './health.controller';
import { ReadinessIndicators } from './readiness.indicators';

@Module({
  imports: [TerminusModule, ImportEngineModule],
  controllers: [HealthController],
  providers: [ReadinessIndicators],
})
export class HealthModule {}
