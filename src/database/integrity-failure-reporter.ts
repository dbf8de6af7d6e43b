/**
 * Turns a read that met a value which does not open into the operator's problem instead of
 * every reader's riddle: the log names the dataset, each failing row's key and column (never a
 * value), under the request id, and the caller gets a 500 saying "stored data failed its
 * integrity check". The failing rows are found among the rows the read covered (a page, a CSV
 * batch, one client), in a fresh transaction of the caller's own role and keys: the read's own
 * transaction is aborted by then.
 */
import { Injectable, Logger } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { DatabaseRole } from '../auth/database-role';
import { DomainError, DomainErrorCode } from '../common/domain-error';
import { RoleScopedTransactions, SessionKeys } from './role-scoped-transactions';
import {
  describeUnopenableRow,
  findUnopenableRows,
  INTEGRITY_FAILURE_MESSAGE,
  IntegritySource,
  isUnopenableValue,
} from './unopenable-values';

export interface FailedRead {
  source: IntegritySource;
  role: DatabaseRole;
  keys: SessionKeys;
  requestId: string;
  /** The keys of the rows the failed statement read (computed without opening any value). */
  rowKeys: (client: PoolClient) => Promise<readonly number[]>;
  /** What was cut short, when the answer had already begun (a streamed CSV). */
  after?: string;
}

export const integrityFailure = (): DomainError =>
  new DomainError(DomainErrorCode.IntegrityFailure, INTEGRITY_FAILURE_MESSAGE);

@Injectable()
export class IntegrityFailureReporter {
  private readonly logger = new Logger('StoredDataIntegrity');

  constructor(private readonly transactions: RoleScopedTransactions) {}

  /**
   * For a value that did not open: logs where, and returns the error to answer with; any other
   * error is returned unchanged.
   */
  async explain(error: unknown, read: FailedRead): Promise<unknown> {
    if (!isUnopenableValue(error)) return error;
    const prefix = `${INTEGRITY_FAILURE_MESSAGE} [${read.requestId}]${read.after ? ` ${read.after}` : ''}`;
    try {
      const rows = await this.transactions.run(
        { role: read.role, readOnly: true, keys: read.keys },
        async (client) => findUnopenableRows(client, read.source, await read.rowKeys(client)),
      );
      if (!rows.length) {
        this.logger.error(
          `${prefix}: reading ${read.source.spec.name} met a value that does not open, no longer found among the rows read; run npm run keys:verify`,
        );
      }
      for (const row of rows)
        this.logger.error(`${prefix}: ${describeUnopenableRow(read.source.spec, row)}`);
    } catch (locating) {
      // A data key that does not open fails even a read of the rows' keys (the views unwrap one
      // per row); PostgreSQL's message then names that client (never a value or a key).
      if (isUnopenableValue(locating) && locating instanceof Error) {
        this.logger.error(
          `${prefix}: ${read.source.spec.name}: ${locating.message}; run npm run keys:verify for every value that does not open`,
        );
        return integrityFailure();
      }
      // The answer is the same; the log says the row could not be named, and why (no value).
      this.logger.error(
        `${prefix}: reading ${read.source.spec.name} met a value that does not open; locating it failed (${locating instanceof Error ? locating.message : String(locating)}); run npm run keys:verify`,
      );
    }
    return integrityFailure();
  }
}
