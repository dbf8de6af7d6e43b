/**
 * GDPR operations on client data: the access and portability export (GET /clients/{id}/export)
 * the retention purge, and erasure by crypto-shredding (DELETE /clients/{id}).
 */
import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { AuditModule } from '../audit/audit.module';
import { AuditRepository } from '../audit/audit.repository';
import { DatasetCatalog, datasetCatalog } from '../catalog/dataset-catalog';
import { ClientErasureController } from './client-erasure.controller';
import { ClientErasureRepository } from './client-erasure.repository';
import { ClientErasureService } from './client-erasure.service';
import { ClientExportController } from './client-export.controller';
import { ClientExportRepository } from './client-export.repository';
import { ClientExportService } from './client-export.service';
import { RetentionPurgeService } from './retention/retention-purge.service';
import { RETENTION_TARGETS } from './retention/retention-target';
import { retentionTargets } from './retention/retention-targets';
import { retentionMetricProviders } from './retention/retention.metrics';
import { RetentionScheduler } from './retention/retention.scheduler';

@Module({
  imports: [AuditModule],
  controllers: [ClientExportController, ClientErasureController],
  providers: [
    { provide: DatasetCatalog, useValue: datasetCatalog },
    ClientExportRepository,
    ClientExportService,
    ClientErasureRepository,
    ClientErasureService,
    {
      provide: RETENTION_TARGETS,
      useFactory: retentionTargets,
      inject: [AppConfig, ClientErasureRepository, AuditRepository],
    },
    ...retentionMetricProviders,
    RetentionPurgeService,
    RetentionScheduler,
  ],
})
export class GdprModule {}
