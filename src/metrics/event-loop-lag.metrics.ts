import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { monitorEventLoopDelay, IntervalHistogram } from 'node:perf_hooks';
import { Gauge, register } from 'prom-client';

const EVENT_LOOP_LAG = 'smartretail_event_loop_lag_seconds';
/** ms: fine enough to see a 50 ms stall, coarse enough to cost nothing. */
const RESOLUTION_MS = 10;
/** Labelled `stat`, not `quantile`: Prometheus reserves `quantile` for summaries. */
const PERCENTILES = { p50: 50, p99: 99 } as const;

/**
 * How late the HTTP event loop ran since the previous scrape, by percentile and at its worst.
 * Every request of this instance waits behind whatever CPU work holds the loop (parsing an
 * upload, encoding a large page), so this is the number that says whether an import starves
 * readers. prom-client's own nodejs_eventloop_lag_* gauges measure since the process started
 * (or one timer tick), which hides a stall that ended a minute ago; this histogram is reset at
 * each scrape, so each sample covers one scrape interval.
 */
@Injectable()
export class EventLoopLagMetrics implements OnModuleInit, OnModuleDestroy {
  private histogram?: IntervalHistogram;

  onModuleInit(): void {
    this.onModuleDestroy();
    const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    histogram.enable();
    this.histogram = histogram;
    new Gauge({
      name: EVENT_LOOP_LAG,
      help: 'Event-loop delay since the previous scrape: its median (p50), 99th percentile (p99) and maximum (max).',
      labelNames: ['stat'],
      collect() {
        // The histogram includes the sampling resolution itself: subtract it, as Node's docs say.
        const lag = (ns: number) => Math.max(0, ns / 1e9 - RESOLUTION_MS / 1000);
        const seen = histogram.count > 0;
        for (const [stat, percentile] of Object.entries(PERCENTILES))
          this.set({ stat }, seen ? lag(histogram.percentile(percentile)) : 0);
        this.set({ stat: 'max' }, seen ? lag(histogram.max) : 0);
        histogram.reset();
      },
    });
  }

  onModuleDestroy(): void {
    this.histogram?.disable();
    this.histogram = undefined;
    register.removeSingleMetric(EVENT_LOOP_LAG);
  }
}
