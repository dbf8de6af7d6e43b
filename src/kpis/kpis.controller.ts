import { Controller, Get, Param, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Roles } from '../auth/access.decorators';
import { DATABASE_UNAVAILABLE } from '../common/openapi-responses';
import { KpiCatalogDto } from './dto/kpi-catalog.dto';
import { KpiQueryDto } from './dto/kpi-query.dto';
import { KpiResultDto } from './dto/kpi-result.dto';
import { KPI_DEFINITIONS, KPI_NAMES } from './kpi-definitions';
import { KpiResult, KpisService } from './kpis.service';

@ApiTags('kpis')
@ApiBearerAuth()
@Controller('kpis')
export class KpisController {
  constructor(private readonly kpis: KpisService) {}

  @Get()
  @Roles('admin', 'analyst')
  @ApiOperation({ summary: 'The KPI catalog: each KPI and each of its columns, with its meaning' })
  @ApiOkResponse({ type: KpiCatalogDto })
  catalog(): KpiCatalogDto {
    return this.kpis.catalog();
  }

  @Get(':name')
  @Roles('admin', 'analyst')
  @ApiOperation({
    summary: 'A business KPI, aggregated (no personal data)',
    description: KPI_NAMES.map((n) => `- \`${n}\`: ${KPI_DEFINITIONS[n].description}`).join('\n'),
  })
  @ApiParam({ name: 'name', enum: KPI_NAMES })
  @ApiOkResponse({ type: KpiResultDto, description: 'Rows are ordered and limited.' })
  @ApiBadRequestResponse({ description: 'A filter is malformed, or from is after to.' })
  @ApiNotFoundResponse({ description: 'No KPI has this name.' })
  @ApiServiceUnavailableResponse(DATABASE_UNAVAILABLE)
  read(@Param('name') name: string, @Query() query: KpiQueryDto): Promise<KpiResult> {
    return this.kpis.read(name, query);
  }
}
