import { ApiProperty } from '@nestjs/swagger';
import { exportedBranchSchema, exportedClientSchema } from './client-export.openapi';

export const CLIENT_EXPORT_FORMAT = 'smartretail.client-export';
export const CLIENT_EXPORT_VERSION = 1;

/** An audit entry about the client, without the ids of the other clients a read returned. */
export class ExportedAuditEntryDto {
  @ApiProperty() auditId!: number;
  @ApiProperty({ example: '2026-11-25T07:00:00.000000Z' }) occurredAt!: string;
  @ApiProperty({ description: 'Token subject of whoever read the data' }) sub!: string;
  @ApiProperty({ enum: ['admin', 'writer', 'analyst'] }) role!: string;
  @ApiProperty({ example: 'clients' }) dataset!: string;
  @ApiProperty({ description: "The server's id of the request" }) requestId!: string;
  @ApiProperty({ type: String, nullable: true, description: "The caller's X-Request-Id, if any" })
  correlationId!: string | null;
}

/**
 * Everything SmartRetail holds about one client (GDPR Art. 15 and 20). The dataset parts are
 * named after the catalog's datasets and shaped by it (see client-export.openapi.ts); the
 * document is streamed in this property order.
 */
export class ClientExportDto {
  @ApiProperty({ enum: [CLIENT_EXPORT_FORMAT] }) format!: string;
  @ApiProperty({ enum: [CLIENT_EXPORT_VERSION] }) version!: number;
  @ApiProperty() clientId!: number;
  @ApiProperty({ format: 'date-time' }) exportedAt!: string;
  @ApiProperty({ description: "The server's id of the export request (its audit entry's)" })
  requestId!: string;
  @ApiProperty(exportedClientSchema()) client!: Record<string, unknown>;
  @ApiProperty(exportedBranchSchema('cartes_fidelite'))
  cartes_fidelite!: Record<string, unknown>[];
  @ApiProperty(exportedBranchSchema('transactions'))
  transactions!: Record<string, unknown>[];
  @ApiProperty({
    type: [ExportedAuditEntryDto],
    description: "Reads of this client's clear personal data (this export included), oldest first",
  })
  auditEntries!: ExportedAuditEntryDto[];
}
