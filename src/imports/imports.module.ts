import { Module } from '@nestjs/common';
import { ImportDirectoryService } from './schedule/import-directory.service';
import { ImportRunsService } from './history/import-runs.service';
import { ImportDiskGuard } from './engine/import-disk-guard';
import { ImportLock } from './engine/import-lock';
import { ImportQueue } from './engine/import-queue';
import { ImportRunsRepository } from './history/import-runs.repository';
import { ImportScheduler } from './schedule/import.scheduler';
import { ImportService } from './engine/import.service';
import { RunOutcomeRecorder } from './history/run-outcome-recorder';
import { ImportRunsController } from './history/import-runs.controller';
import { DatasetImportsController } from './upload/dataset-imports.controller';
import { UploadImportService } from './upload/upload-import.service';
import { UploadSpoolDirectory } from './upload/upload-spool-directory';

/** The import engine without HTTP or schedule: what the CLI and the benchmark run. */
const ENGINE = [
  ImportService,
  ImportRunsRepository,
  ImportQueue,
  ImportLock,
  ImportDiskGuard,
  RunOutcomeRecorder,
  ImportDirectoryService,
];

@Module({ providers: ENGINE, exports: ENGINE })
export class ImportEngineModule {}

@Module({
  imports: [ImportEngineModule],
  controllers: [DatasetImportsController, ImportRunsController],
  providers: [ImportRunsService, ImportScheduler, UploadImportService, UploadSpoolDirectory],
})
export class ImportsModule {}
