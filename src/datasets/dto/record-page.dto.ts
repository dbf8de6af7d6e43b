import { ApiProperty } from '@nestjs/swagger';
import { DATASET_NAMES } from '../../catalog/dataset.types';

export class RecordPageDto {
  @ApiProperty({ enum: DATASET_NAMES }) dataset!: string;

  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description:
      'Records in primary-key order, with the columns of your role (see GET /datasets and the ' +
      '<Dataset>AdminRecord / <Dataset>AnalystRecord schemas). Dates are YYYY-MM-DD, timestamps ' +
      'YYYY-MM-DD HH:MM:SS, money a decimal string.',
  })
  items!: Record<string, unknown>[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` to get the next page; null on the last page',
  })
  nextCursor!: string | null;
}
