import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { createServer, Server } from 'node:http';
import { register } from 'prom-client';
import { AppConfig } from '../config/app-config';

/**
 * With METRICS_PORT set, metrics leave the main port for their own listener (a port the
 * network can keep private to Prometheus). A bare node:http server is enough: one route, no
 * middleware, and it shares prom-client's registry with the application.
 */
@Injectable()
export class MetricsPortServer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Metrics');
  private server?: Server;

  constructor(private readonly config: AppConfig) {}

  async onApplicationBootstrap(): Promise<void> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      if (req.method !== 'GET' || path !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
        return;
      }
      register.metrics().then(
        (body) => res.writeHead(200, { 'content-type': register.contentType }).end(body),
        () => res.writeHead(500, { 'content-type': 'text/plain' }).end('Metrics unavailable\n'),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.metricsPort, this.config.host, () => resolve());
    });
    this.server = server;
    this.logger.log(`Metrics on http://${this.config.host}:${this.config.metricsPort}/metrics`);
  }

  async onModuleDestroy(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
