import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDateString, IsInt, IsOptional, Max, Min } from 'class-validator';

export const MAX_KPI_ROWS = 10_000;

/** Filters common to every KPI; dates are calendar days, both bounds inclusive. */
export class KpiQueryDto {
  @ApiPropertyOptional({ description: 'First day included (YYYY-MM-DD).', example: '2025-01-01' })
  @IsOptional()
  @IsDateString({ strict: true }, { message: 'from must be a date (YYYY-MM-DD)' })
  from?: string;

  @ApiPropertyOptional({ description: 'Last day included (YYYY-MM-DD).', example: '2025-12-31' })
  @IsOptional()
  @IsDateString({ strict: true }, { message: 'to must be a date (YYYY-MM-DD)' })
  to?: string;

  @ApiPropertyOptional({ description: 'Only this store.', example: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'magasin_id must be a positive integer' })
  @Min(1, { message: 'magasin_id must be at least 1' })
  magasin_id?: number;

  @ApiPropertyOptional({
    description: `Maximum rows (1-${MAX_KPI_ROWS}; default 10 for top-products, 1000 otherwise).`,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: `limit must be an integer from 1 to ${MAX_KPI_ROWS}` })
  @Min(1, { message: `limit must be an integer from 1 to ${MAX_KPI_ROWS}` })
  @Max(MAX_KPI_ROWS, { message: `limit must be an integer from 1 to ${MAX_KPI_ROWS}` })
  limit?: number;
}
