import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import {
  IsCalendarDate,
  IsColumnInteger,
  IsKeysetCursor,
  IsNotAfter,
  IsPlainWord,
} from '../../common/query/query-decorators';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../common/query/page-size';

export const AUDIT_CURSOR_SCOPE = 'audit';

export class AuditQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @IsOptional()
  @IsColumnInteger('integer', { min: 1, max: MAX_PAGE_SIZE })
  limit?: number;

  /** Arrives as the nextCursor text; validated into the audit_id (bigint) it carries. */
  @ApiPropertyOptional({ type: String, description: 'The nextCursor of the previous page' })
  @IsOptional()
  @IsKeysetCursor(AUDIT_CURSOR_SCOPE, 'bigint')
  cursor?: number;

  @ApiPropertyOptional({ description: 'Only entries of this token subject', example: 'alice' })
  @IsOptional()
  @IsPlainWord('a token subject')
  sub?: string;

  @ApiPropertyOptional({
    description: 'Inclusive lower bound: YYYY-MM-DD or an ISO 8601 date-time with zone',
    example: '2026-01-01T00:00:00Z',
  })
  @IsOptional()
  @IsCalendarDate('zoned')
  @IsNotAfter('to')
  from?: string;

  @ApiPropertyOptional({ description: 'Inclusive upper bound (same form as from)' })
  @IsOptional()
  @IsCalendarDate('zoned')
  to?: string;
}
