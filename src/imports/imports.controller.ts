import {
  Controller,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Res,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPayloadTooLargeResponse,
  ApiProduces,
  ApiQuery,
  ApiRequestTimeoutResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { DATASET_NAMES } from '../catalog/dataset.types';
import { DATABASE_UNAVAILABLE } from '../common/openapi-responses';
import { CSV_ENCODINGS } from './csv/csv-text-decoder';
import { ImportReportDto, ImportRunPageDto } from './dto/import-report.dto';
import { Roles } from '../auth/access.decorators';
import { ListImportsQuery } from './dto/list-imports.query';
import { ImportHistoryService, ImportRunPage } from './import-history.service';
import type { ImportReport } from './import-report';
import { CsvUploadInterceptor, ReceivedCsvUpload } from './upload/csv-upload.interceptor';
import { UploadImportService } from './upload/upload-import.service';
import { UploadThrottlerGuard } from '../rate-limit/upload-throttler.guard';
import type { ReceivedUpload } from './upload/upload-spool';

@ApiTags('imports')
@ApiBearerAuth()
@Controller('imports')
export class ImportsController {
  constructor(
    private readonly history: ImportHistoryService,
    private readonly uploads: UploadImportService,
  ) {}

  /** multipart/form-data, field `file`; the interceptor receives it, the service imports it. */
  @Post(':dataset')
  @Roles('admin', 'writer')
  @HttpCode(201)
  @ApiOperation({ summary: 'Import a CSV file (streamed into the database, one transaction)' })
  @ApiParam({ name: 'dataset', enum: DATASET_NAMES })
  @ApiQuery({ name: 'mode', enum: ['default', 'atomic'], required: false })
  @ApiQuery({
    name: 'encoding',
    enum: CSV_ENCODINGS,
    required: false,
    description: 'The file’s character set; by default decided from its bytes (BOM, valid UTF-8)',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: { file: { type: 'string', format: 'binary' } },
    },
  })
  @ApiCreatedResponse({ type: ImportReportDto })
  @ApiBadRequestResponse({
    description:
      'Empty file, not a CSV text file, no header line, missing or repeated columns, unterminated quote, atomic refusal, bad mode or encoding',
  })
  @ApiNotFoundResponse({ description: 'No such dataset' })
  @ApiPayloadTooLargeResponse({ description: 'Larger than IMPORT_MAX_BYTES; nothing imported' })
  @ApiUnsupportedMediaTypeResponse({ description: 'Not multipart/form-data' })
  @ApiRequestTimeoutResponse({
    description: 'The body stopped arriving for UPLOAD_IDLE_TIMEOUT_MS; recorded as a failed run',
  })
  @ApiServiceUnavailableResponse({
    description:
      'Too many imports waiting, the wait for this dataset timed out, or the database is unavailable; see Retry-After. Nothing imported.',
  })
  @ApiTooManyRequestsResponse({
    description:
      'More than RATE_LIMIT_UPLOADS uploads by this subject in the window; see Retry-After',
  })
  // A route guard: after the access guard (the subject is known), before the body is read.
  @UseGuards(UploadThrottlerGuard)
  @UseInterceptors(CsvUploadInterceptor)
  upload(@ReceivedCsvUpload() upload: ReceivedUpload): Promise<ImportReport> {
    return this.uploads.importUpload(upload);
  }

  @Get()
  @Roles('admin', 'writer')
  @ApiOperation({ summary: 'Import history, newest first' })
  @ApiOkResponse({ type: ImportRunPageDto })
  @ApiServiceUnavailableResponse(DATABASE_UNAVAILABLE)
  list(@Query() query: ListImportsQuery): Promise<ImportRunPage> {
    return this.history.list(query.limit ?? 50, query.offset ?? 0);
  }

  @Get(':id')
  @Roles('admin', 'writer')
  @ApiOperation({ summary: 'One import run with its first 100 rejections' })
  @ApiOkResponse({ type: ImportReportDto })
  @ApiNotFoundResponse({ description: 'No such run' })
  @ApiServiceUnavailableResponse(DATABASE_UNAVAILABLE)
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<ImportReport> {
    return this.history.get(id);
  }

  @Get(':id/rejections')
  @Roles('admin', 'writer')
  @ApiOperation({ summary: 'Every rejection of a run, as CSV (formula-injection-safe)' })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'line,column,reason,value', schema: { type: 'string' } })
  @ApiNotFoundResponse({ description: 'No such run' })
  @ApiServiceUnavailableResponse(DATABASE_UNAVAILABLE)
  rejections(@Param('id', new ParseUUIDPipe()) id: string, @Res() res: Response): Promise<void> {
    return this.history.writeRejectionsCsv(id, () =>
      res.status(200).type('text/csv; charset=utf-8').attachment(`import-${id}-rejections.csv`),
    );
  }
}
