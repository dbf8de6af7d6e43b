import { DynamicModule, MiddlewareConsumer, Module, NestModule, Provider } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { collectDefaultMetrics, register } from 'prom-client';
import { AppConfig } from '../config/app-config';
import { ImportEngineModule } from '../imports/imports.module';
import { DatabasePoolMetrics } from './database-pool.metrics';
import { EventLoopLagMetrics } from './event-loop-lag.metrics';
import { HttpMetricsMiddleware, httpMetricProviders } from './http-metrics.middleware';
import { importMetricProviders } from './import-metrics.providers';
import { ImportMetrics } from './import-metrics.service';
import { ImportQueueMetrics } from './import-queue.metrics';
import { MetricsController } from './metrics.controller';
import { MetricsPortServer } from './metrics-port.server';

/**
 * Prometheus metrics: imports (from ImportRunEvents), HTTP, the database pool, the event loop's
 * lag and Node's process metrics. Served at /metrics on the main port, or only on METRICS_PORT when set.
 */
/**
 * Node's process metrics, once per process (prom-client's registry is process-wide). The three
 * `nodejs_active_*_total` gauges break Prometheus' naming rules (`_total` is for counters) and
 * duplicate `nodejs_active_handles` / `_requests` / `_resources`, which carry the same counts by
 * type; dropping them keeps `promtool check metrics` clean.
 */
function registerDefaultMetrics(): void {
  if (register.getSingleMetric('process_cpu_user_seconds_total')) return;
  collectDefaultMetrics();
  for (const name of [
    'nodejs_active_handles_total',
    'nodejs_active_requests_total',
    'nodejs_active_resources_total',
  ]) {
    register.removeSingleMetric(name);
  }
}

@Module({})
export class MetricsModule implements NestModule {
  static forRoot(config: AppConfig): DynamicModule {
    registerDefaultMetrics();
    const providers: Provider[] = [
      ...importMetricProviders,
      ...httpMetricProviders,
      ImportMetrics,
      DatabasePoolMetrics,
      EventLoopLagMetrics,
      ImportQueueMetrics,
      HttpMetricsMiddleware,
    ];
    if (config.metricsPort) providers.push(MetricsPortServer);
    return {
      module: MetricsModule,
      imports: [
        ImportEngineModule,
        ...(config.metricsPort
          ? []
          : [
              PrometheusModule.register({
                controller: MetricsController,
                path: '/metrics',
                defaultMetrics: { enabled: false },
              }),
            ]),
      ],
      providers,
      exports: [ImportMetrics],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('{*path}');
  }
}
