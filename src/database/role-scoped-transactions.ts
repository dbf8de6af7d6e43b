/**
 * Every database conversation of the service goes through here: one transaction on the
 * app_user pool, switched to the caller's role. The switch and the keys are transaction-local
 * (set_config(..., true)), so nothing leaks to the next user of the pooled connection, and the
 * role comes from an allow-list, never from string-built SQL.
 */
import { Injectable } from '@nestjs/common';
import type { PoolClient, QueryConfig } from 'pg';
import { DataSource } from 'typeorm';
import { DATABASE_ROLES, DatabaseRole } from '../auth/database-role';
import { AppConfig } from '../config/app-config';
import { asUnavailable, isPoolExhausted } from './database-unavailable';
import { sessionMasterKeys } from './session-master-keys';
import {
  InterruptibleTransaction,
  interrupted,
  TransactionInterrupter,
} from './transaction-interrupter';

/**
 * Which keys a transaction receives. Least privilege: a key that is not in the transaction
 * cannot be read back, misused by a bug, or leaked by a query; only roles whose SQL encrypts,
 * decrypts or computes blind indexes get one. By default admin and writer get both, analyst
 * none (KPIs, non-personal reads); analyst's pseudonymised client reads ask for 'encryption'.
 */
export type SessionKeys = 'all' | 'encryption' | 'none';
const DEFAULT_KEYS: Record<DatabaseRole, SessionKeys> = {
  admin: 'all',
  writer: 'all',
  analyst: 'none',
};

export interface TransactionScope {
  role: DatabaseRole;
  /** Reads run READ ONLY, so even a bug cannot write through them. */
  readOnly?: boolean;
  /** Published as request.jwt.claims so SQL (audit) can see who asked. */
  claims?: Record<string, unknown>;
  /** Defaults to STATEMENT_TIMEOUT_MS; 0 disables it (bulk imports). */
  statementTimeoutMs?: number;
  /** Rolled back at once on shutdown, failing with `interrupted` (see TransactionInterrupter). */
  interruptible?: boolean;
  /** Defaults by role (DEFAULT_KEYS). */
  keys?: SessionKeys;
  /** One snapshot for every statement (e.g. an export's audited ids and its rows). */
  repeatableRead?: boolean;
  /**
   * `work` sends plain queries only (no cursor, no COPY): BEGIN, the settings and its first
   * query then leave in one write and are answered in one round trip (see runPipelined).
   */
  pipelined?: boolean;
}

export const isDatabaseRole = (role: unknown): role is DatabaseRole =>
  typeof role === 'string' && (DATABASE_ROLES as readonly string[]).includes(role);

/** How long a pool exhaustion (a request that found no free connection in time) is reported. */
export const EXHAUSTION_MEMORY_MS = 10_000;

@Injectable()
export class RoleScopedTransactions {
  private exhaustedAt: number[] = [];
  /** Every exhaustion since start, for the smartretail_db_pool_acquire_timeouts_total counter. */
  private exhaustionsTotal = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly interrupter: TransactionInterrupter,
  ) {}

  async run<T>(scope: TransactionScope, work: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.withConnection((client) => this.runOn(client, scope, work));
  }

  /** One pool connection for several steps (an import: its lock, its run record, its data). */
  async withConnection<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    try {
      const client = (await runner.connect()) as PoolClient;
      return await work(client);
    } catch (error) {
      if (isPoolExhausted(error)) {
        this.exhaustedAt.push(Date.now());
        this.exhaustionsTotal++;
      }
      throw asUnavailable(error);
    } finally {
      await runner.release();
    }
  }

  /** Requests that found no free pool connection within DB_ACQUIRE_TIMEOUT_MS, lately. */
  recentPoolExhaustions(now = Date.now()): number {
    this.exhaustedAt = this.exhaustedAt.filter((t) => now - t < EXHAUSTION_MEMORY_MS);
    return this.exhaustedAt.length;
  }

  /** Requests that found no free pool connection within DB_ACQUIRE_TIMEOUT_MS, since start. */
  poolExhaustionsTotal(): number {
    return this.exhaustionsTotal;
  }

  /** A transaction on a connection the caller already holds. */
  async runOn<T>(
    client: PoolClient,
    scope: TransactionScope,
    work: (client: PoolClient) => Promise<T>,
  ): Promise<T> {
    if (!isDatabaseRole(scope.role))
      throw new Error('refusing to switch to a role outside the allow-list');
    if (scope.pipelined && !scope.interruptible) return this.runPipelined(client, scope, work);
    if (scope.interruptible) this.interrupter.assertOpen();
    let interruptible: InterruptibleTransaction | undefined;
    try {
      await client.query(this.beginStatement(scope));
      const { rows } = await client.query<{ backend_pid: number }>(this.settings(scope));
      if (scope.interruptible) interruptible = this.interrupter.enter(rows[0].backend_pid);
      const result = await work(client);
      interruptible?.beforeCommit();
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw interruptible?.interrupted ? interrupted() : asUnavailable(error);
    } finally {
      interruptible?.leave();
    }
  }

  /**
   * The same transaction with fewer round trips: node-postgres' pipeline mode, on for this
   * transaction only, sends BEGIN, the settings and work's first query without waiting for each
   * answer, and the corked socket puts them in one write. Ordering keeps every guarantee: the
   * server runs them in turn, so the query runs as the role, with the keys and the timeout, and
   * if the settings fail the query fails too (its transaction is aborted) and nothing commits.
   * The connection leaves pipeline mode once every answer is in, before it goes back to the pool.
   */
  private async runPipelined<T>(
    client: PoolClient,
    scope: TransactionScope,
    work: (client: PoolClient) => Promise<T>,
  ): Promise<T> {
    const pipelined = client as PoolClient & { pipeline: boolean };
    const socket = (client as PoolClient & { connection: { stream: NodeJS.WritableStream } })
      .connection.stream as NodeJS.WritableStream & { cork(): void; uncork(): void };
    pipelined.pipeline = true;
    const sent: Promise<unknown>[] = [];
    try {
      socket.cork();
      let result: Promise<T>;
      try {
        sent.push(client.query(this.beginStatement(scope)), client.query(this.settings(scope)));
        result = work(client);
        sent.push(result);
      } finally {
        socket.uncork();
      }
      // Each answer is awaited in turn below; until then a rejection must not count as unhandled.
      for (const answer of sent) answer.catch(() => undefined);
      // The first failure is the one to report: BEGIN's or the settings' before the query's.
      for (const answer of sent) await answer;
      const value = await result;
      await client.query('COMMIT');
      return value;
    } catch (error) {
      await Promise.allSettled(sent);
      await client.query('ROLLBACK').catch(() => undefined);
      throw asUnavailable(error);
    } finally {
      pipelined.pipeline = false;
    }
  }

  private beginStatement(scope: TransactionScope): string {
    const isolation = scope.repeatableRead ? ' ISOLATION LEVEL REPEATABLE READ' : '';
    return `BEGIN${isolation}${scope.readOnly ? ' READ ONLY' : ''}`;
  }

  /** The role, keys, claims and timeout, all transaction-local (set_config(..., true)). */
  private settings(scope: TransactionScope): QueryConfig {
    const keys = scope.keys ?? DEFAULT_KEYS[scope.role];
    const master = sessionMasterKeys(this.config);
    return {
      text: `SELECT set_config('role', $1, true),
                    set_config('smartretail.encryption_key', $2, true),
                    set_config('smartretail.blind_index_key', $3, true),
                    set_config('request.jwt.claims', $4, true),
                    set_config('statement_timeout', $5, true),
                    set_config('smartretail.encryption_key_version', $6, true),
                    set_config('smartretail.retiring_encryption_key', $7, true),
                    pg_backend_pid() AS backend_pid`,
      values: [
        scope.role,
        keys === 'none' ? '' : master.key,
        keys === 'all' ? this.config.blindIndexKey : '',
        JSON.stringify(scope.claims ?? {}),
        String(scope.statementTimeoutMs ?? this.config.statementTimeoutMs),
        String(master.version),
        keys === 'none' ? '' : master.retiringKey,
      ],
    };
  }
}
