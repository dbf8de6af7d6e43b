/** OpenAPI shapes of an import run (src/imports/history/import-run.ts is the source of truth). */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DATASET_NAMES } from '../../../catalog/dataset.types';
import { FAILURE_KINDS, IMPORT_MODES, IMPORT_SOURCES, IMPORT_STATUSES } from '../import-run';

export class ImportCountsDto {
  @ApiProperty({ description: 'Data rows read: inserted + updated + unchanged + rejected' })
  rowsRead!: number;
  @ApiProperty() inserted!: number;
  @ApiProperty() updated!: number;
  @ApiProperty() unchanged!: number;
  @ApiProperty() rejected!: number;
}

export class RejectedRowDto {
  @ApiProperty({ description: '1-based line of the record in the file (the header is line 1)' })
  line!: number;
  @ApiProperty({ type: String, nullable: true }) column!: string | null;
  @ApiProperty() reason!: string;
  @ApiPropertyOptional({ description: 'The offending value; "[redacted]" for personal columns' })
  value?: string;
}

export class ImportRunDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: DATASET_NAMES }) dataset!: string;
  @ApiProperty({ enum: IMPORT_SOURCES }) source!: string;
  @ApiProperty({ enum: IMPORT_MODES }) mode!: string;
  @ApiProperty() fileName!: string;
  @ApiProperty() sizeBytes!: number;
  @ApiProperty({ type: String, nullable: true, description: 'SHA-256 of the content' })
  checksum!: string | null;
  @ApiProperty({ enum: IMPORT_STATUSES }) status!: string;
  @ApiProperty({ type: String, format: 'date-time' }) startedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finishedAt!: string | null;
  @ApiProperty({ type: Number, nullable: true }) durationSeconds!: number | null;
  @ApiProperty({ type: ImportCountsDto }) counts!: ImportCountsDto;
  @ApiProperty({ type: [String] }) warnings!: string[];
  @ApiProperty({ type: [RejectedRowDto], description: 'The first 100 rejections' })
  rejections!: RejectedRowDto[];
  @ApiPropertyOptional() error?: string;
  @ApiPropertyOptional({
    enum: FAILURE_KINDS,
    description:
      'Failed runs: input (the file), internal (a bug, see the log), unavailable (database outage), interrupted (stop or crash), timeout (upload body idle)',
  })
  failureKind?: string;
}

export class ImportRunPageDto {
  @ApiProperty() total!: number;
  @ApiProperty() limit!: number;
  @ApiProperty() offset!: number;
  @ApiProperty({ type: [ImportRunDto] }) items!: ImportRunDto[];
}
