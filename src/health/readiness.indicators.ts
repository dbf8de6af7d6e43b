import { Injectable, Logger } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { freeDiskMb } from '../common/free-disk-space';
import { AppConfig } from '../config/app-config';
import { keyStatusProblems, KeyStatusRow } from '../database/database-key-check';
import { DatabaseServerStatus } from '../database/database-server-status';
import { isDatabaseUnavailable } from '../database/database-unavailable';
import { EXHAUSTION_MEMORY_MS, RoleScopedTransactions } from '../database/role-scoped-transactions';
import { servicePool } from '../database/service-pool';
import { ImportQueue } from '../imports/engine/import-queue';
import { ReadinessMetrics } from './readiness.metrics';
import { TokenKeys } from '../auth/token-keys';
import { TimeoutError, withTimeout } from '../common/with-timeout';
import { HealthConnection } from './health-connection';

/** Each check gets this long; readiness must answer even when the database hangs. */
export const CHECK_TIMEOUT_MS = 2_000;

const PROBE_TEXT = 'smartretail-readiness-probe';

/**
 * The readiness checks. Each one races a timeout and reports a fixed, secret-free message on
 * failure (the cause goes to the log, at debug level, never into the response). The database
 * checks run on HealthConnection, never in the requests' pool: a busy pool cannot make them
 * time out.
 */
@Injectable()
export class ReadinessIndicators {
  private readonly logger = new Logger('Readiness');
  private readonly expectedMigrations = MIGRATIONS.map((m) => new m().name);

  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly dataSource: DataSource,
    private readonly transactions: RoleScopedTransactions,
    private readonly config: AppConfig,
    private readonly queue: ImportQueue,
    private readonly metrics: ReadinessMetrics,
    private readonly tokenKeys: TokenKeys,
    private readonly server: DatabaseServerStatus,
    private readonly connection: HealthConnection,
  ) {}

  /** Every check, in the order /health/ready reports them. */
  all(): (() => Promise<HealthIndicatorResult>)[] {
    return [
      () => this.database(),
      () => this.migrations(),
      () => this.encryption(),
      () => this.disk(),
      () => this.pool(),
      () => this.imports(),
      ...(this.tokenKeys.remoteKeySet ? [() => this.jwks()] : []),
    ];
  }

  /**
   * JWT_JWKS_URL only: the identity provider's key set was fetched within JWT_JWKS_MAX_AGE_MS, or
   * can be now; otherwise no token from it can be verified. Reports the key count and the time
   * of the last refresh (a key set that stopped refreshing shows there first).
   */
  jwks(): Promise<HealthIndicatorResult> {
    return this.probe('jwks', 'the JWKS at JWT_JWKS_URL could not be fetched', async () => ({
      ...(await this.tokenKeys.remoteStatus()),
    }));
  }

  /**
   * The database answers. When this process supervises an embedded PostgreSQL that is down, the
   * check says why and what is being done instead of only "unavailable"; once it is back, the
   * last outage stays visible (when, why, how many so far) for whoever looks later.
   */
  database(): Promise<HealthIndicatorResult> {
    return this.probe('database', 'unreachable', async () => {
      const down = this.server.current();
      if (down) {
        return {
          failure: `${down.cause}; ${down.action}`,
          since: down.since.toISOString(),
          outages: this.server.outageCount,
        };
      }
      await this.connection.query('SELECT 1');
      const last = this.server.last();
      return last
        ? {
            outages: this.server.outageCount,
            lastOutage: {
              cause: last.cause,
              since: last.since.toISOString(),
              recoveredAt: last.recoveredAt?.toISOString(),
            },
          }
        : {};
    });
  }

  /** Every migration this build knows is applied (read through a SECURITY DEFINER function). */
  migrations(): Promise<HealthIndicatorResult> {
    return this.probe('migrations', 'could not read the applied migrations', async () => {
      const applied = await this.connection.run({ role: 'analyst', readOnly: true }, (c) =>
        c.query<{ name: string }>('SELECT name FROM smartretail.applied_migrations() AS name'),
      );
      const names = new Set(applied.rows.map((r) => r.name));
      const pending = this.expectedMigrations.filter((name) => !names.has(name));
      return pending.length
        ? { failure: `${pending.length} pending migration(s)`, pending }
        : { applied: this.expectedMigrations.length };
    });
  }

  /**
   * Both configured keys match the database's key check values, and the key encrypts and
   * decrypts in PostgreSQL and decrypts the stored data: a wrong key (say, a rotated secret
   * without re-encryption) is named here, not discovered on the first read.
   */
  encryption(): Promise<HealthIndicatorResult> {
    return this.probe('encryption', 'the encryption key failed its round-trip', () =>
      // The one analyst transaction with both keys: it checks both against their check values.
      this.connection.run({ role: 'analyst', readOnly: true, keys: 'all' }, async (c) => {
        const keys = await c.query<KeyStatusRow>(
          'SELECT key_name, status FROM smartretail.session_key_status()',
        );
        const problems = keyStatusProblems(keys.rows);
        if (problems.length) return { failure: problems.join('; ') };
        // A value sealed and opened in the stored format (bound to a client id that no client
        // has), under keys derived from a random data key, as the trigger and the views do.
        const roundTrip = await c.query<{ ok: boolean }>(
          `SELECT smartretail.open_value(b.block || smartretail.value_tag(b.block, b.keys, 0, 'probe'),
                                         b.keys, 0, 'probe') = $1 AS ok
             FROM (SELECT keys, smartretail.seal_block(convert_to($1, 'UTF8'), keys, gen_random_bytes(16)) AS block
                     FROM (SELECT smartretail.value_keys(gen_random_bytes(32)) AS keys) k) b`,
          [PROBE_TEXT],
        );
        // Unwraps one stored data key under the master key, checked against its client id, and
        // opens one stored value (if any) through the analyst's pseudonymised view.
        await c.query('SELECT sexe FROM v_clients_pseudonymised LIMIT 1');
        return roundTrip.rows[0]?.ok === true
          ? {}
          : { failure: 'the decrypted probe differs from the original' };
      }),
    );
  }

  /**
   * The requests' pool, for information: it never fails readiness. A saturated pool is load,
   * not an outage: the database checks above run on a connection of their own and still say
   * whether the database answers, and taking a busy replica out of a load balancer (or all of
   * them at once) would only move or multiply the load. `saturated` is true while requests
   * queue for a connection or lately found none within DB_ACQUIRE_TIMEOUT_MS (they got a 503).
   * Read from the pool, no connection needed.
   */
  pool(): Promise<HealthIndicatorResult> {
    return this.probe('pool', 'could not read the pool', () => {
      const pool = servicePool(this.dataSource);
      const max = pool?.options.max ?? this.config.dbPoolSize;
      const inUse = pool ? pool.totalCount - pool.idleCount : 0;
      const waiting = pool?.waitingCount ?? 0;
      const exhausted = this.transactions.recentPoolExhaustions();
      const saturated = waiting > 0 || exhausted > 0;
      return Promise.resolve({
        max,
        inUse,
        waiting,
        exhausted,
        saturated,
        ...(saturated
          ? {
              saturation: `every connection is busy: ${waiting} request(s) waiting, ${exhausted} found none within DB_ACQUIRE_TIMEOUT_MS in the last ${EXHAUSTION_MEMORY_MS / 1000} s`,
            }
          : {}),
      });
    });
  }

  /** This instance's imports: how many run and wait, and whether one runs far too long. */
  imports(): Promise<HealthIndicatorResult> {
    return this.probe('imports', 'could not read the import queue', () => {
      const oldestSeconds = Math.round(this.queue.oldestRunningSeconds());
      const state = { running: this.queue.running, waiting: this.queue.waiting, oldestSeconds };
      const maxSeconds = this.config.importMaxDurationMs / 1000;
      return Promise.resolve(
        oldestSeconds > maxSeconds
          ? {
              failure: `an import has been running for ${oldestSeconds} s, longer than IMPORT_MAX_DURATION_MS (${maxSeconds} s): stuck?`,
              ...state,
            }
          : state,
      );
    });
  }

  /**
   * Free space in DATA_DIR. Imports have their own floor (IMPORT_MIN_FREE_DISK_MB, shown here),
   * below which, counting the file's estimated growth, they are refused with 507.
   */
  disk(): Promise<HealthIndicatorResult> {
    return this.probe('disk', 'could not read free space', async () => {
      const freeMb = await freeDiskMb(this.config.dataDir);
      const minimumMb = this.config.healthMinFreeDiskMb;
      const state = { freeMb, minimumMb, importMinimumMb: this.config.importMinFreeDiskMb };
      return freeMb < minimumMb ? { failure: `free space below the minimum`, ...state } : state;
    });
  }

  private async probe(
    key: string,
    errorMessage: string,
    check: () => Promise<Record<string, unknown> & { failure?: string }>,
  ): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    try {
      const { failure, ...data } = await withTimeout(check(), CHECK_TIMEOUT_MS);
      this.metrics.record(key, !failure);
      return failure ? indicator.down({ message: failure, ...data }) : indicator.up(data);
    } catch (error) {
      this.metrics.record(key, false);
      const timedOut = error instanceof TimeoutError;
      this.logger.debug(
        `${key} check failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      return indicator.down({
        message: timedOut
          ? `timed out after ${CHECK_TIMEOUT_MS} ms`
          : isDatabaseUnavailable(error)
            ? 'the database is unavailable'
            : errorMessage,
      });
    }
  }
}
