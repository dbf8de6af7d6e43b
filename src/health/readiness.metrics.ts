import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Gauge, register } from 'prom-client';

const READY = 'smartretail_ready';

/**
 * `smartretail_ready{check}`: 1 when a readiness check last passed, 0 when it failed, set each
 * time /health/ready runs. The image's HEALTHCHECK (like any orchestrator's readiness probe)
 * calls it every 15 s, so the value is fresh where it matters. Running the checks at scrape
 * time instead would take pool connections during the scrape and skew the pool gauges read in
 * the same scrape (and add load exactly when the pool is saturated).
 */
@Injectable()
export class ReadinessMetrics implements OnModuleInit, OnModuleDestroy {
  private gauge?: Gauge<'check'>;

  onModuleInit(): void {
    this.onModuleDestroy();
    this.gauge = new Gauge({
      name: READY,
      help: 'Readiness checks of the last GET /health/ready: 1 passed, 0 failed.',
      labelNames: ['check'],
    });
  }

  record(check: string, up: boolean): void {
    this.gauge?.set({ check }, up ? 1 : 0);
  }

  onModuleDestroy(): void {
    register.removeSingleMetric(READY);
  }
}
