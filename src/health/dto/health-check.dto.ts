/** OpenAPI shape of Terminus' HealthCheckResult, the body of both probes when they pass. */
import { ApiProperty, ApiPropertyOptional, ApiPropertyOptions } from '@nestjs/swagger';

const CHECKS: ApiPropertyOptions = {
  type: 'object',
  description: 'One entry per check, by name, each with its status (up or down) and details',
  additionalProperties: {
    type: 'object',
    required: ['status'],
    properties: { status: { type: 'string', enum: ['up', 'down'] } },
    additionalProperties: true,
  },
  example: { database: { status: 'up' }, encryption_key: { status: 'up' } },
};

export class HealthCheckDto {
  @ApiProperty({ enum: ['ok', 'error', 'shutting_down'], example: 'ok' }) status!: string;
  @ApiPropertyOptional({ ...CHECKS, description: 'The checks that are up' })
  info?: Record<string, unknown>;
  @ApiPropertyOptional({ ...CHECKS, description: 'The checks that are down' })
  error?: Record<string, unknown>;
  @ApiProperty(CHECKS) details!: Record<string, unknown>;
}
