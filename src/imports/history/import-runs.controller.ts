import { Controller, Get, Param, ParseUUIDPipe, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { DATABASE_UNAVAILABLE } from '../../common/openapi-responses';
import type { Response } from 'express';
import { Roles } from '../../auth/access.decorators';
import { ImportRunDto, ImportRunPageDto } from './dto/import-run.dto';
import { ListImportRunsQuery } from './dto/list-import-runs.query';
import type { ImportRun } from './import-run';
import { ImportRunPage, ImportRunsService } from './import-runs.service';

/** The history of import runs; uploads start them at POST /datasets/{dataset}/imports. */
@ApiTags('imports')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'Missing or invalid token' })
@ApiForbiddenResponse({ description: 'Only admin and writer read import runs' })
@Controller('imports')
export class ImportRunsController {
  constructor(private readonly runs: ImportRunsService) {}

  @Get()
  @Roles('admin', 'writer')
  @ApiOperation({ summary: 'Import history, newest first' })
  @ApiOkResponse({ type: ImportRunPageDto })
  @ApiBadRequestResponse({ description: 'limit or offset out of range, or an unknown parameter' })
  @ApiServiceUnavailableResponse(DATABASE_UNAVAILABLE)
  list(@Query() query: ListImportRunsQuery): Promise<ImportRunPage> {
    return this.runs.list(query.limit ?? 50, query.offset ?? 0);
  }

  @Get(':id')
  @Roles('admin', 'writer')
  @ApiOperation({ summary: 'One import run with its first 100 rejections' })
  @ApiOkResponse({ type: ImportRunDto })
  @ApiBadRequestResponse({ description: 'The id is not a UUID' })
  @ApiNotFoundResponse({ description: 'No such run' })
  @ApiServiceUnavailableResponse(DATABASE_UNAVAILABLE)
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<ImportRun> {
    return this.runs.get(id);
  }

  @Get(':id/rejections')
  @Roles('admin', 'writer')
  @ApiOperation({ summary: 'Every rejection of a run, as CSV (formula-injection-safe)' })
  @ApiProduces('text/csv')
  @ApiOkResponse({
    description:
      'line,column,reason,value,value_shape: value is empty for a dataset with personal data, value_shape describes the cell without its content',
    schema: { type: 'string' },
  })
  @ApiBadRequestResponse({ description: 'The id is not a UUID' })
  @ApiNotFoundResponse({ description: 'No such run' })
  @ApiServiceUnavailableResponse(DATABASE_UNAVAILABLE)
  rejections(@Param('id', new ParseUUIDPipe()) id: string, @Res() res: Response): Promise<void> {
    return this.runs.writeRejectionsCsv(id, () =>
      res.status(200).type('text/csv; charset=utf-8').attachment(`import-${id}-rejections.csv`),
    );
  }
}
