import { ApiProperty } from '@nestjs/swagger';
import { KPI_NAMES } from '../kpi-definitions';

export class KpiFiltersDto {
  @ApiProperty({ type: String, nullable: true, format: 'date', example: '2025-01-01' })
  from!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date', example: '2025-12-31' })
  to!: string | null;
  @ApiProperty({ type: Number, nullable: true, example: 3 }) magasin_id!: number | null;
  @ApiProperty({ example: 1000 }) limit!: number;
}

/** Rows are aggregates only; their columns depend on the KPI (see each view in the migration). */
export class KpiResultDto {
  @ApiProperty({ enum: KPI_NAMES, example: KPI_NAMES[0] }) kpi!: string;
  @ApiProperty({ type: KpiFiltersDto }) filters!: KpiFiltersDto;
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: 'Aggregates; the columns depend on the KPI (GET /kpis describes them)',
    example: [{ magasin_id: 3, chiffre_affaires: '18250.40' }],
  })
  rows!: Record<string, unknown>[];
}
