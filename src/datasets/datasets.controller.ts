import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { pipeline } from 'node:stream/promises';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTooManyRequestsResponse,
  ApiParam,
  ApiQuery,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Roles } from '../auth/access.decorators';
import type { Caller } from '../auth/caller';
import { CurrentCaller } from '../auth/caller.decorator';
import { DATASET_NAMES } from '../catalog/dataset.types';
import { RECORD_READERS } from '../catalog/record-visibility';
import { DATABASE_ROLES } from '../auth/database-role';
import { RecordRow } from './datasets.repository';
import { DatasetsService } from './datasets.service';
import { DatasetCatalogDto } from './dto/dataset-catalog.dto';
import { RecordPathParams } from './dto/record-path.params';
import type { RecordRequest } from './record-format';
import { RecordRequestOf } from './record-format';
import { DATABASE_UNAVAILABLE } from '../common/openapi-responses';
import { ApiRecordQuery } from './record-query.openapi';

@ApiTags('datasets')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'Missing, malformed, expired or badly signed token' })
@Controller('datasets')
export class DatasetsController {
  constructor(private readonly datasets: DatasetsService) {}

  @Get()
  @Roles(...DATABASE_ROLES)
  @ApiOperation({ summary: 'The dataset catalog, with the columns and filters of your role' })
  @ApiOkResponse({ type: DatasetCatalogDto, description: 'The catalog, with what your role sees' })
  catalog(@CurrentCaller() caller: Caller): DatasetCatalogDto {
    return { datasets: this.datasets.describeCatalog(caller) };
  }

  @Get(':dataset/records')
  @Roles(...RECORD_READERS)
  @ApiOperation({ summary: 'A page of records of a dataset, as your role sees them' })
  @ApiParam({ name: 'dataset', enum: DATASET_NAMES })
  @ApiRecordQuery()
  @ApiNotFoundResponse({ description: 'Unknown dataset' })
  @ApiForbiddenResponse({
    description: 'Your role reads no records, or may not use this filter (e-mail lookup)',
  })
  @ApiTooManyRequestsResponse({
    description:
      'You already run EXPENSIVE_READS_PER_CALLER expensive reads (Prefer: count=exact, CSV without limit); see Retry-After',
  })
  @ApiServiceUnavailableResponse({
    description: `${DATABASE_UNAVAILABLE.description} Also: the query outlasted STATEMENT_TIMEOUT_MS, or an exact count EXPENSIVE_READ_TIMEOUT_MS.`,
  })
  async list(
    @CurrentCaller() caller: Caller,
    @Param('dataset') dataset: string,
    @Query() query: Record<string, unknown>,
    @RecordRequestOf() request: RecordRequest,
    @Res() res: Response,
  ): Promise<void> {
    const answer = await this.datasets.list(caller, dataset, query, request);
    res.set(answer.headers);
    if (typeof answer.body === 'string') res.send(answer.body);
    // A client that leaves destroys the body, which stops the database cursor (see streamCsv).
    else pipeline(answer.body, res).catch(() => undefined);
  }

  @Get(':dataset/records/:id')
  @Roles(...RECORD_READERS)
  @ApiOperation({ summary: 'One record by primary key, as your role sees it' })
  @ApiParam({ name: 'dataset', enum: DATASET_NAMES })
  @ApiParam({ name: 'id', type: Number, description: 'Primary key of the record' })
  @ApiOkResponse({
    schema: { type: 'object', additionalProperties: true },
    description: 'The record, with the columns of your role',
  })
  @ApiQuery({
    name: 'select',
    required: false,
    type: String,
    example: 'client_id,ville',
    description: 'Comma-separated columns to return, in that order, among those your role sees',
  })
  @ApiBadRequestResponse({
    description: 'An unknown query parameter, or a select naming a column your role does not see',
  })
  @ApiNotFoundResponse({ description: 'Unknown dataset or no such record' })
  @ApiForbiddenResponse({ description: 'Your role reads no records' })
  @ApiServiceUnavailableResponse(DATABASE_UNAVAILABLE)
  get(
    @CurrentCaller() caller: Caller,
    @Param() path: RecordPathParams,
    @Query() query: Record<string, unknown>,
  ): Promise<RecordRow> {
    return this.datasets.get(caller, path.dataset, path.id, query);
  }
}
