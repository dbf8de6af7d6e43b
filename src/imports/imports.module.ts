import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { ImportDirectoryService } from './import-directory.service';
import { ImportHistoryService } from './import-history.service';
import { ImportLock } from './import-lock';
import { ImportRunsRepository } from './import-runs.repository';
import { ImportScheduler } from './import.scheduler';
import { ImportService } from './import.service';
import { ImportsController } from './imports.controller';
import { CsvUploadInterceptor } from './upload/csv-upload.interceptor';

/** The import engine without HTTP or schedule: what the CLI and the benchmark run. */
@Module({
  providers: [ImportService, ImportRunsRepository, ImportLock, ImportDirectoryService],
  exports: [ImportService, ImportRunsRepository, ImportLock, ImportDirectoryService],
})
export class ImportEngineModule {}

@Module({
  imports: [ImportEngineModule, ScheduleModule.forRoot()],
  controllers: [ImportsController],
  providers: [ImportHistoryService, ImportScheduler, CsvUploadInterceptor],
})
export class ImportsModule {}
