import { ApiProperty } from '@nestjs/swagger';
import { DATASET_NAMES } from '../../catalog/dataset.types';

const COLUMN_TYPES = ['integer', 'text', 'date', 'timestamp', 'money'];

export class CatalogColumnDto {
  @ApiProperty({ example: 'email' }) name!: string;
  @ApiProperty({ enum: COLUMN_TYPES, example: 'text' }) type!: string;
  @ApiProperty({ example: 'text', description: 'PostgreSQL type of the clear value' })
  sqlType!: string;
  @ApiProperty({ example: true }) required!: boolean;
  @ApiProperty({ description: 'Personal data: encrypted at rest', example: true })
  personal!: boolean;
  @ApiProperty({ type: String, nullable: true, example: 'clients.client_id' })
  references!: string | null;
  @ApiProperty({ example: 'E-mail address' }) description!: string;
}

export class VisibleColumnDto {
  @ApiProperty({ example: 'annee_naissance' }) name!: string;
  @ApiProperty({ enum: COLUMN_TYPES }) type!: string;
  @ApiProperty() personal!: boolean;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'date_naissance',
    description: 'The catalog column this one reduces (birth year of a birth date)',
  })
  derivedFrom!: string | null;
}

export class CallerAccessDto {
  @ApiProperty({
    enum: ['clear', 'pseudonymised', 'none'],
    description: 'How your role reads records: clear values, the pseudonymised view, or not at all',
  })
  records!: string;
  @ApiProperty({ type: [VisibleColumnDto], description: 'The columns your role receives' })
  columns!: VisibleColumnDto[];
  @ApiProperty({ type: [String], example: ['limit', 'cursor', 'from', 'to', 'client_id'] })
  filters!: string[];
  @ApiProperty({
    type: [String],
    example: ['client_id', 'date_inscription'],
    description: 'Columns `order=` accepts (indexed: primary key, foreign keys, date column)',
  })
  orderBy!: string[];
}

export class DatasetCatalogEntryDto {
  @ApiProperty({ enum: DATASET_NAMES, example: 'clients' }) name!: string;
  @ApiProperty({ example: 'Clients' }) title!: string;
  @ApiProperty({ example: 'client_id' }) primaryKey!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Column of the from/to filters',
    example: 'date_inscription',
  })
  dateColumn!: string | null;
  @ApiProperty({ description: 'Holds personal data', example: true }) personal!: boolean;
  @ApiProperty({ type: [CatalogColumnDto] }) columns!: CatalogColumnDto[];
  @ApiProperty({ type: CallerAccessDto }) yourAccess!: CallerAccessDto;
}

export class DatasetCatalogDto {
  @ApiProperty({ type: [DatasetCatalogEntryDto] }) datasets!: DatasetCatalogEntryDto[];
}
