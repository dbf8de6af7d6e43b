/** OpenAPI shapes of an import run (src/imports/history/import-run.ts is the source of truth). */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DATASET_NAMES } from '../../../catalog/dataset.types';
import { FAILURE_KINDS, IMPORT_MODES, IMPORT_SOURCES, IMPORT_STATUSES } from '../import-run';

export class ImportCountsDto {
  @ApiProperty({
    description: 'Data rows read: inserted + updated + unchanged + rejected',
    example: 1000,
  })
  rowsRead!: number;
  @ApiProperty({ example: 940 }) inserted!: number;
  @ApiProperty({ example: 35 }) updated!: number;
  @ApiProperty({ example: 22 }) unchanged!: number;
  @ApiProperty({ example: 3 }) rejected!: number;
}

export class RejectedRowDto {
  @ApiProperty({
    description: '1-based line of the record in the file (the header is line 1)',
    example: 17,
  })
  line!: number;
  @ApiProperty({ type: String, nullable: true, example: 'magasin_id' }) column!: string | null;
  @ApiProperty({ example: 'no magasins row with magasin_id = 999' }) reason!: string;
  @ApiPropertyOptional({
    description:
      'The offending value (at most 200 characters), for datasets without personal data. Absent for a dataset with personal data (clients), whichever column the cell was read as, except the integer key of an erased subject; older runs of such datasets lost theirs (migration CleanPersonalRejections).',
    example: '999',
  })
  value?: string;
  @ApiPropertyOptional({
    description:
      'The refused cell\'s length and the classes of characters it holds, never its content: digits, letters, other letters, spaces, @, control or invisible characters, undecodable bytes, punctuation, other characters. "empty" for an empty cell; absent when no single cell is to blame (a row with the wrong number of fields, a superseded or orphan row).',
    example: '22 characters: letters, @, punctuation',
  })
  valueShape?: string;
}

export class ImportRunDto {
  @ApiProperty({ format: 'uuid', example: '8da36bf3-eb6c-4e0a-b2a2-ec4820b9b4c8' }) id!: string;
  @ApiProperty({ enum: DATASET_NAMES, example: 'transactions' }) dataset!: string;
  @ApiProperty({ enum: IMPORT_SOURCES, example: 'upload' }) source!: string;
  @ApiProperty({ enum: IMPORT_MODES, example: 'default' }) mode!: string;
  @ApiProperty({ example: 'transactions-2026-11.csv' }) fileName!: string;
  @ApiProperty({ example: 48213 }) sizeBytes!: number;
  @ApiProperty({ type: String, nullable: true, description: 'SHA-256 of the content' })
  checksum!: string | null;
  @ApiProperty({ enum: IMPORT_STATUSES, example: 'succeeded' }) status!: string;
  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-27T10:00:00.000Z' })
  startedAt!: string;
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
