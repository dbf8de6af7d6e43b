import { Controller, Get, Res } from '@nestjs/common';
import {
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { Response } from 'express';
import { Public } from '../auth/access.decorators';

/**
 * `GET /metrics` in Prometheus text format. Public like any scrape target: it carries counts
 * and timings only, never a value from the data or a secret. Deploy METRICS_PORT to keep it off
 * the public port.
 */
@ApiTags('observability')
@Controller()
export class MetricsController extends PrometheusController {
  @Get()
  @Public()
  @ApiOperation({ summary: 'Prometheus metrics (text exposition format)' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ schema: { type: 'string' }, description: 'Counts and timings, no data' })
  // With METRICS_PORT set, the route is not mounted on the main port (Nest's 404 answers).
  @ApiNotFoundResponse({ description: 'METRICS_PORT is set: scrape that port instead' })
  override index(@Res({ passthrough: true }) response: Response): Promise<string> {
    return super.index(response);
  }
}
