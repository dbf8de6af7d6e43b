/**
 * The upload's parameters, validated by the global ValidationPipe like every other route's: the
 * dataset by its catalog name only (file-name aliases are for the directory scan and the CLI,
 * where the name is all there is), the mode and the file's character set.
 */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional } from 'class-validator';
import { DATASET_NAMES, type DatasetName } from '../../../catalog/dataset.types';
import { IMPORT_MODES, type ImportMode } from '../../history/import-run';
import {
  CSV_ENCODINGS,
  type CsvEncoding,
  parseCsvEncoding,
} from '../../engine/csv/csv-text-decoder';

/** Path of `POST /datasets/{dataset}/imports`. */
export class DatasetImportPath {
  @ApiProperty({ enum: DATASET_NAMES, description: 'The dataset, by its catalog name' })
  @IsIn(DATASET_NAMES, { message: `dataset must be one of ${DATASET_NAMES.join(', ')}` })
  dataset!: DatasetName;
}

/** Query of `POST /datasets/{dataset}/imports`. */
export class DatasetImportQuery {
  static readonly queryScope = 'an upload';

  @ApiPropertyOptional({
    enum: IMPORT_MODES,
    default: 'default',
    description: '`atomic`: load nothing if any row is bad',
  })
  @IsOptional()
  @IsIn(IMPORT_MODES, { message: 'mode must be "default" or "atomic"' })
  mode?: ImportMode;

  @ApiPropertyOptional({
    enum: CSV_ENCODINGS,
    description: 'The file’s character set; by default decided from its bytes (BOM, valid UTF-8)',
  })
  @IsOptional()
  // Case and a missing dash are forgiven (`UTF8`), as on the CLI.
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? (parseCsvEncoding(value) ?? value) : value,
  )
  @IsIn(CSV_ENCODINGS, { message: `encoding must be one of ${CSV_ENCODINGS.join(', ')}` })
  encoding?: CsvEncoding;

  @ApiPropertyOptional({
    type: Boolean,
    default: false,
    description:
      'admin only: load rows of erased clients again (reinstating them) instead of rejecting them as "erased subject"',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    value === 'true' ? true : value === 'false' ? false : value,
  )
  @IsBoolean({ message: 'allowReinstate must be true or false' })
  allowReinstate?: boolean;
}
