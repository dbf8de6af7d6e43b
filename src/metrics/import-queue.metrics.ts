import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Gauge, register } from 'prom-client';
import { ImportQueue } from '../imports/engine/import-queue';

const IMPORTS_RUNNING = 'smartretail_imports_running';
const IMPORTS_WAITING = 'smartretail_import_queue_length';
const OLDEST_RUNNING = 'smartretail_import_oldest_running_seconds';

/**
 * This instance's import queue, read at scrape time like the pool gauges: imports running,
 * imports waiting for their turn, and how long the oldest running one has been at it (a stuck
 * import shows as a line that keeps climbing).
 */
@Injectable()
export class ImportQueueMetrics implements OnModuleInit, OnModuleDestroy {
  constructor(private readonly queue: ImportQueue) {}

  onModuleInit(): void {
    const queue = this.queue;
    this.onModuleDestroy();
    new Gauge({
      name: IMPORTS_RUNNING,
      help: 'Imports running in this instance (each holds one pool connection).',
      collect() {
        this.set(queue.running);
      },
    });
    new Gauge({
      name: IMPORTS_WAITING,
      help: 'Imports waiting for their turn in this instance (IMPORT_QUEUE_MAX at most).',
      collect() {
        this.set(queue.waiting);
      },
    });
    new Gauge({
      name: OLDEST_RUNNING,
      help: 'Age of the oldest import running in this instance (0 when none runs).',
      collect() {
        this.set(queue.oldestRunningSeconds());
      },
    });
  }

  onModuleDestroy(): void {
    for (const name of [IMPORTS_RUNNING, IMPORTS_WAITING, OLDEST_RUNNING])
      register.removeSingleMetric(name);
  }
}
