import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { DatasetCatalog, datasetCatalog } from '../catalog/dataset-catalog';
import { DatasetsController } from './datasets.controller';
import { DatasetsRepository } from './datasets.repository';
import { DatasetsService } from './datasets.service';
import { ExpensiveReadLimiter } from './expensive-read-limiter';

@Module({
  imports: [AuditModule],
  controllers: [DatasetsController],
  providers: [
    { provide: DatasetCatalog, useValue: datasetCatalog },
    DatasetsRepository,
    DatasetsService,
    ExpensiveReadLimiter,
  ],
})
export class DatasetsModule {}
