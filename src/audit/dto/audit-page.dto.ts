import { ApiProperty } from '@nestjs/swagger';

export class AuditEntryDto {
  @ApiProperty() auditId!: number;
  @ApiProperty({ example: '2026-11-25T07:00:00.000000Z' }) occurredAt!: string;
  @ApiProperty({
    enum: ['read', 'erase'],
    description: 'read: clear personal data served; erase: a client erased (Art. 17)',
  })
  action!: string;
  @ApiProperty({ description: 'Token subject of the caller' }) sub!: string;
  @ApiProperty({ enum: ['admin', 'writer', 'analyst'] }) role!: string;
  @ApiProperty({ example: 'clients' }) dataset!: string;
  @ApiProperty({ type: [Number], description: 'Primary keys of the records returned' })
  recordIds!: number[];
  @ApiProperty() recordCount!: number;
  @ApiProperty({ description: "The server's id of the request (its X-Request-Id response header)" })
  requestId!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The X-Request-Id the caller sent, if any (for correlation only)',
  })
  correlationId!: string | null;
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditEntryDto], description: 'Newest first' }) items!: AuditEntryDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
