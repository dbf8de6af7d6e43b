/**
 * Readiness's own database connections: a small pg pool beside the service's pool.
 * Checks that waited in the requests' pool timed out whenever the pool was busy (50 connections
 * of reads: `database: timed out after 2000 ms` while `pool: inUse 10, waiting 46`), so a busy
 * service called itself down and a load balancer would have taken every replica out at once.
 * On a connection of their own the checks answer what they ask (does the database answer?),
 * and the requests' pool is reported by its own, informational, check.
 *
 * The connection is opened on demand, closed after HEALTH_IDLE_MS unused (nothing held between
 * probes, nothing to keep a stopping PostgreSQL waiting), dropped after any error (a dead or
 * stuck connection is never reused: the next check opens a fresh one, so readiness recovers by
 * itself once the database is back), and closed with the application.
 */
import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Pool, PoolClient } from 'pg';
import { AppConfig } from '../config/app-config';
import { urlForRole } from '../database/connection-url';
import { RoleScopedTransactions, TransactionScope } from '../database/role-scoped-transactions';
import { sslOptions } from '../database/ssl-options';

/** Connecting and each statement are bounded below the check's own timeout (CHECK_TIMEOUT_MS). */
export const HEALTH_CONNECT_TIMEOUT_MS = 1_500;
export const HEALTH_STATEMENT_TIMEOUT_MS = 1_500;
export const HEALTH_CONNECTIONS = 3;
/** Unused this long, the connection is closed; probes come every few seconds, so it is reused. */
const HEALTH_IDLE_MS = 10_000;

@Injectable()
export class HealthConnection implements OnModuleDestroy {
  private readonly logger = new Logger('HealthConnection');
  private readonly pool: Pool;
  private closed = false;

  constructor(
    config: AppConfig,
    private readonly transactions: RoleScopedTransactions,
  ) {
    this.pool = new Pool({
      connectionString: urlForRole(config.databaseUrl, 'app_user', config.appDbPassword),
      ssl: sslOptions(config.dbSsl),
      // One per database check (database, migrations, encryption): they run at once, and one
      // waiting behind another under load would time out although the database answers.
      max: HEALTH_CONNECTIONS,
      idleTimeoutMillis: HEALTH_IDLE_MS,
      connectionTimeoutMillis: HEALTH_CONNECT_TIMEOUT_MS,
      // Client-side, for a server that stopped answering. The server-side statement timeout is
      // set per transaction (run), not as a startup parameter: PgBouncer refuses unknown ones.
      query_timeout: HEALTH_STATEMENT_TIMEOUT_MS + 500,
      application_name: 'smartretail-health',
    });
    // An idle connection cut by the server (a restart, a fast shutdown) is reported here, and
    // the pool drops it; without a listener the 'error' event would end the process.
    this.pool.on('error', (error) =>
      this.logger.debug(`idle health connection lost: ${error.message}`),
    );
  }

  /** One statement as app_user (no role, no keys): `SELECT 1`. */
  async query(text: string): Promise<void> {
    await this.withClient((client) => client.query(text));
  }

  /** A role-scoped transaction, as every request runs, on the health connection. */
  run<T>(scope: TransactionScope, work: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.withClient((client) =>
      this.transactions.runOn(
        client,
        { ...scope, statementTimeoutMs: HEALTH_STATEMENT_TIMEOUT_MS },
        work,
      ),
    );
  }

  async onModuleDestroy(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private async withClient<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let failed = false;
    try {
      return await work(client);
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      // After any failure the connection is destroyed rather than trusted again.
      client.release(failed);
    }
  }
}
