import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import {
  IsCalendarDate,
  IsCatalogInteger,
  IsColumnInteger,
  IsNotAfter,
} from '../../common/query/query-decorators';

export const MAX_KPI_ROWS = 10_000;

/** Filters common to every KPI; dates are calendar days, both bounds inclusive. */
export class KpiQueryDto {
  @ApiPropertyOptional({ description: 'First day included (YYYY-MM-DD).', example: '2025-01-01' })
  @IsOptional()
  @IsCalendarDate()
  @IsNotAfter('to')
  from?: string;

  @ApiPropertyOptional({ description: 'Last day included (YYYY-MM-DD).', example: '2025-12-31' })
  @IsOptional()
  @IsCalendarDate()
  to?: string;

  @ApiPropertyOptional({ description: 'Only this store.', example: 1, minimum: 1 })
  @IsOptional()
  @IsCatalogInteger('magasins', 'magasin_id')
  magasin_id?: number;

  @ApiPropertyOptional({
    description: `Maximum rows (1-${MAX_KPI_ROWS}; default 10 for top-products, 1000 otherwise).`,
  })
  @IsOptional()
  @IsColumnInteger('integer', { min: 1, max: MAX_KPI_ROWS })
  limit?: number;
}
