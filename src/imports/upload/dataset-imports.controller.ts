import { Controller, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiResponse,
  ApiRequestTimeoutResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import { Roles } from '../../auth/access.decorators';
import type { Caller } from '../../auth/caller';
import { CurrentCaller } from '../../auth/caller.decorator';
import { UploadThrottlerGuard } from '../../rate-limit/upload-throttler.guard';
import { ImportRunDto } from '../history/dto/import-run.dto';
import type { ImportRun } from '../history/import-run';
import { DatasetImportPath, DatasetImportQuery } from './dto/dataset-import.params';
import type { CsvUpload } from './multipart-csv-upload';
import { MultipartCsv, UPLOAD_FIELD } from './multipart-csv-upload';
import { UploadImportService } from './upload-import.service';

/** Uploads start runs of a dataset; the runs themselves are read at /imports (ImportRunsController). */
@ApiTags('imports')
@ApiBearerAuth()
@Controller('datasets')
export class DatasetImportsController {
  constructor(private readonly uploads: UploadImportService) {}

  @Post(':dataset/imports')
  @Roles('admin', 'writer')
  @HttpCode(201)
  // A route guard: after the access guard (the subject is known), before the body is read.
  @UseGuards(UploadThrottlerGuard)
  @ApiOperation({ summary: 'Import a CSV file (streamed into the database, one transaction)' })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: [UPLOAD_FIELD],
      properties: { [UPLOAD_FIELD]: { type: 'string', format: 'binary' } },
    },
  })
  @ApiCreatedResponse({ type: ImportRunDto, description: 'The run, imported' })
  @ApiBadRequestResponse({
    description:
      'Unknown dataset, mode or encoding; no file or a malformed body; empty file, not a CSV text file, no header line, missing or repeated columns, unterminated quote; atomic refusal',
  })
  @ApiUnauthorizedResponse({ description: 'Missing or invalid token' })
  @ApiForbiddenResponse({ description: 'Only admin and writer import; only admin reinstates' })
  @ApiRequestTimeoutResponse({
    description: 'The body stopped arriving for UPLOAD_IDLE_TIMEOUT_MS; recorded as a failed run',
  })
  @ApiPayloadTooLargeResponse({ description: 'Larger than IMPORT_MAX_BYTES; nothing imported' })
  @ApiUnsupportedMediaTypeResponse({ description: 'Not multipart/form-data' })
  @ApiTooManyRequestsResponse({
    description:
      'More than RATE_LIMIT_UPLOADS uploads by this subject in the window; see Retry-After',
  })
  @ApiServiceUnavailableResponse({
    description:
      'Too many imports waiting (refused before the body is read), the wait for this dataset timed out, the import was interrupted by a shutdown, or the database is unavailable; see Retry-After. Nothing imported.',
  })
  @ApiResponse({
    status: 507,
    description:
      'Too little free disk where the database lives: below IMPORT_MIN_FREE_DISK_MB, or the file would leave less (checked before the body is read and when the turn comes). Nothing imported; free space, then retry.',
  })
  upload(
    @CurrentCaller() caller: Caller,
    @Param() path: DatasetImportPath,
    @Query() query: DatasetImportQuery,
    @MultipartCsv() file: CsvUpload,
  ): Promise<ImportRun> {
    return this.uploads.importUpload(path.dataset, query, file, caller);
  }
}
