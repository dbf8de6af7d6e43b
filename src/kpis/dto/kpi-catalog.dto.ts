import { ApiProperty } from '@nestjs/swagger';
import { KPI_NAMES } from '../kpi-definitions';

export class KpiColumnDto {
  @ApiProperty({ example: 'chiffre_affaires' }) name!: string;
  @ApiProperty({
    example:
      "Revenue (chiffre d'affaires): what customers paid, the sum of the receipts' montant_total.",
  })
  description!: string;
}

export class KpiCatalogEntryDto {
  @ApiProperty({ enum: KPI_NAMES, example: KPI_NAMES[0] }) name!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ type: [KpiColumnDto] }) columns!: KpiColumnDto[];
}

/** What each KPI and each of its columns means: one name, one meaning. */
export class KpiCatalogDto {
  @ApiProperty({ type: [KpiCatalogEntryDto] }) kpis!: KpiCatalogEntryDto[];
}
