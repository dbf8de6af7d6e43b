import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsColumnInteger } from '../../../common/query/query-decorators';

export const MAX_IMPORT_PAGE = 500;
/** Far beyond any real history, and within PostgreSQL's OFFSET (bigint) and JS's safe range. */
export const MAX_IMPORT_OFFSET = 2_147_483_647;

export class ListImportRunsQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_IMPORT_PAGE, default: 50 })
  @IsOptional()
  @IsColumnInteger('integer', { min: 1, max: MAX_IMPORT_PAGE })
  limit?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: MAX_IMPORT_OFFSET, default: 0 })
  @IsOptional()
  @IsColumnInteger('integer', { min: 0, max: MAX_IMPORT_OFFSET })
  offset?: number;
}
