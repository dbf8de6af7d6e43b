import { ApiProperty } from '@nestjs/swagger';
import { KPI_NAMES } from '../kpi-definitions';

export class KpiFiltersDto {
  @ApiProperty({ type: String, nullable: true, format: 'date' }) from!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date' }) to!: string | null;
  @ApiProperty({ type: Number, nullable: true }) magasin_id!: number | null;
  @ApiProperty() limit!: number;
}

/** Rows are aggregates only; their columns depend on the KPI (see each view in the migration). */
export class KpiResultDto {
  @ApiProperty({ enum: KPI_NAMES }) kpi!: string;
  @ApiProperty({ type: KpiFiltersDto }) filters!: KpiFiltersDto;
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } })
  rows!: Record<string, unknown>[];
}
