/**
 * Records the transactions the service sends to PostgreSQL while it answers a request, so that
 * pgbench can replay exactly those statements (the request-overhead baseline of bench:read).
 * It wraps node-postgres' `Client.prototype.query` in the bench process only, for the time of
 * the capture: the service's own code builds every statement, nothing is written by hand here.
 */
import { Client } from 'pg';

export interface CapturedStatement {
  text: string;
  values: readonly unknown[];
}

/** BEGIN ... COMMIT, every statement in between, in the order sent. */
export type CapturedTransaction = CapturedStatement[];

export interface TransactionCapture {
  /** The transactions committed since the last call, oldest first. */
  take(): CapturedTransaction[];
  /** Puts node-postgres back as it was. */
  stop(): void;
}

type Query = (this: Client, config: unknown, values?: unknown, callback?: unknown) => unknown;

export function captureTransactions(): TransactionCapture {
  const prototype = Client.prototype as unknown as { query: Query };
  const original = prototype.query;
  const open = new WeakMap<Client, CapturedTransaction>();
  let committed: CapturedTransaction[] = [];
  prototype.query = function (this: Client, config, values, callback) {
    const statement = toStatement(config, values);
    // A cursor or stream cannot be replayed as text: its transaction is dropped, not half-kept.
    if (statement) record(this, statement);
    else open.delete(this);
    return original.call(this, config, values, callback);
  };
  const record = (client: Client, statement: CapturedStatement) => {
    const verb = /^\s*(\w+)/.exec(statement.text)?.[1].toUpperCase();
    if (verb === 'BEGIN' || verb === 'START') {
      open.set(client, [statement]);
      return;
    }
    const transaction = open.get(client);
    if (!transaction) return;
    transaction.push(statement);
    if (verb === 'COMMIT') committed.push(transaction);
    if (verb === 'COMMIT' || verb === 'ROLLBACK') open.delete(client);
  };
  return {
    take() {
      const taken = committed;
      committed = [];
      return taken;
    },
    stop() {
      prototype.query = original;
    },
  };
}

/** The text and values of a plain query; null for cursors, streams and other custom queries. */
function toStatement(config: unknown, values: unknown): CapturedStatement | null {
  if (typeof config === 'string') return { text: config, values: asValues(values) };
  if (typeof config !== 'object' || config === null) return null;
  const query = config as { text?: unknown; values?: unknown; submit?: unknown };
  if (typeof query.submit === 'function' || typeof query.text !== 'string') return null;
  return { text: query.text, values: asValues(query.values ?? values) };
}

const asValues = (values: unknown): readonly unknown[] => (Array.isArray(values) ? values : []);
