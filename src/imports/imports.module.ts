import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { ImportDirectoryService } from './import-directory.service';
import { ImportHistoryService } from './import-history.service';
import { ImportLock } from './import-lock';
import { ImportQueue } from './import-queue';
import { ImportRunsRepository } from './import-runs.repository';
import { ImportScheduler } from './import.scheduler';
import { ImportService } from './import.service';
import { RunOutcomeRecorder } from './run-outcome-recorder';
import { ImportsController } from './imports.controller';
import { CsvUploadInterceptor } from './upload/csv-upload.interceptor';
import { UploadImportService } from './upload/upload-import.service';

/** The import engine without HTTP or schedule: what the CLI and the benchmark run. */
const ENGINE = [
  ImportService,
  ImportRunsRepository,
  ImportQueue,
  ImportLock,
  RunOutcomeRecorder,
  ImportDirectoryService,
];

@Module({ providers: ENGINE, exports: ENGINE })
export class ImportEngineModule {}

@Module({
  imports: [ImportEngineModule, ScheduleModule.forRoot()],
  controllers: [ImportsController],
  providers: [ImportHistoryService, ImportScheduler, CsvUploadInterceptor, UploadImportService],
})
export class ImportsModule {}
