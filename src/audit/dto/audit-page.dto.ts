import { ApiProperty } from '@nestjs/swagger';
import { DATABASE_ROLES } from '../../auth/database-role';

export class AuditEntryDto {
  @ApiProperty({ example: 1842 }) auditId!: number;
  @ApiProperty({ example: '2026-11-25T07:00:00.000000Z' }) occurredAt!: string;
  @ApiProperty({
    enum: ['read', 'erase'],
    description: 'read: clear personal data served; erase: a client erased (Art. 17)',
    example: 'read',
  })
  action!: string;
  @ApiProperty({ description: 'Token subject of the caller', example: 'alice' }) sub!: string;
  @ApiProperty({ enum: DATABASE_ROLES, example: 'admin' }) role!: string;
  @ApiProperty({ example: 'clients' }) dataset!: string;
  @ApiProperty({
    type: [Number],
    description: 'Primary keys of the records returned',
    example: [50, 51],
  })
  recordIds!: number[];
  @ApiProperty({ example: 2 }) recordCount!: number;
  @ApiProperty({
    description: "The server's id of the request (its X-Request-Id response header)",
    example: '3f0c2a9e-5b1d-4c1e-9a43-0d6f3f2b8c71',
  })
  requestId!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The X-Request-Id the caller sent, if any (for correlation only)',
    example: 'etl-2026-11-25-0042',
  })
  correlationId!: string | null;
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditEntryDto], description: 'Newest first' }) items!: AuditEntryDto[];
  @ApiProperty({ type: String, nullable: true, example: 'eyJkIjoiYXVkaXQiLCJrIjoxODQxfQ' })
  nextCursor!: string | null;
}
