import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Counter, Gauge, register } from 'prom-client';
import { DataSource } from 'typeorm';
import { RoleScopedTransactions } from '../database/role-scoped-transactions';
import { servicePool } from '../database/service-pool';

const POOL_CONNECTIONS = 'smartretail_db_pool_connections';
const POOL_WAITING = 'smartretail_db_pool_waiting_clients';
const POOL_MAX = 'smartretail_db_pool_max_connections';
const ACQUIRE_TIMEOUTS = 'smartretail_db_pool_acquire_timeouts_total';

/**
 * The service's app_user pool, read at scrape time (collect) rather than sampled, so the value
 * is what the pool holds when Prometheus asks. The gauges are tied to this DataSource and
 * removed with it, so an application created after this one reports its own pool.
 */
@Injectable()
export class DatabasePoolMetrics implements OnModuleInit, OnModuleDestroy {
  constructor(
    private readonly dataSource: DataSource,
    private readonly transactions: RoleScopedTransactions,
  ) {}

  onModuleInit(): void {
    const transactions = this.transactions;
    const pool = () => servicePool(this.dataSource);
    this.onModuleDestroy();
    new Gauge({
      name: POOL_CONNECTIONS,
      help: 'Connections of the service pool (app_user), by state (idle or in use).',
      labelNames: ['state'],
      collect() {
        const p = pool();
        this.set({ state: 'idle' }, p?.idleCount ?? 0);
        this.set({ state: 'in_use' }, p ? p.totalCount - p.idleCount : 0);
      },
    });
    new Gauge({
      name: POOL_WAITING,
      help: 'Queries waiting for a free connection of the service pool.',
      collect() {
        this.set(pool()?.waitingCount ?? 0);
      },
    });
    new Gauge({
      name: POOL_MAX,
      help: 'Size limit of the service pool (DB_POOL_SIZE for requests + IMPORT_CONCURRENCY for imports).',
      collect() {
        this.set(pool()?.options.max ?? 0);
      },
    });
    // Counted where it happens (RoleScopedTransactions), copied here at scrape time.
    new Counter({
      name: ACQUIRE_TIMEOUTS,
      help: 'Requests that found no free pool connection within DB_ACQUIRE_TIMEOUT_MS (answered 503).',
      collect() {
        this.reset();
        this.inc(transactions.poolExhaustionsTotal());
      },
    });
  }

  onModuleDestroy(): void {
    for (const name of [POOL_CONNECTIONS, POOL_WAITING, POOL_MAX, ACQUIRE_TIMEOUTS])
      register.removeSingleMetric(name);
  }
}
