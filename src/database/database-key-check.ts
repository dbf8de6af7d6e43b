/**
 * The start-up guard against a wrong key: after migrations, before anything can write, the
 * configured keys are compared with the key check values the database keeps (enrolled on first
 * start; see migrations/1795564830000-CreateKeyCheckValues.ts). A mismatch stops the process:
 * data written under a wrong key could never be read back.
 *
 * It runs through RoleScopedTransactions as app_user switched to admin, like every request, so
 * the keys travel exactly as they always do (transaction-local, never logged with parameters).
 */
import { openSingleConnectionTransactions } from './single-connection-transactions';
import type { Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';

export type KeyName = 'encryption' | 'blind_index';

/**
 * What the database says of one key of the transaction. `enrolled`: stored just now;
 * `unproven`: not enrolled because it does not fit the client data already there; `proven`:
 * fits that data but was not enrolled because the other key does not; `unchecked`: not tried
 * because the other key failed first.
 */
export type KeyStatus =
  | 'enrolled'
  | 'match'
  | 'mismatch'
  | 'unproven'
  | 'proven'
  | 'unchecked'
  | 'not-enrolled'
  | 'unset';

export interface KeyStatusRow {
  key_name: KeyName;
  status: KeyStatus;
}

const VARIABLE: Record<KeyName, string> = {
  encryption: 'ENCRYPTION_KEY',
  blind_index: 'BLIND_INDEX_KEY',
};

/** Secret-free sentences, one per key that must not be used; none for usable keys. */
export function keyStatusProblems(rows: readonly KeyStatusRow[]): string[] {
  return rows.flatMap(({ key_name, status }): string[] => {
    const variable = VARIABLE[key_name];
    switch (status) {
      case 'mismatch':
        return [
          key_name === 'encryption'
            ? `${variable} does not match the key this database was encrypted with (key check value mismatch)`
            : `${variable} does not match the key this database's e-mail index was built with (key check value mismatch)`,
        ];
      case 'unproven':
        return [
          key_name === 'encryption'
            ? `${variable} does not decrypt the client data already in this database, so it was not enrolled as this database's key`
            : `${variable} does not reproduce the e-mail index of the client data already in this database, so it was not enrolled as this database's key`,
        ];
      case 'not-enrolled':
        return [
          `no key check value is enrolled for ${variable} yet (the service enrols it at start-up)`,
        ];
      case 'unset':
        return [`${variable} is not set in the transaction`];
      case 'enrolled':
      case 'match':
      case 'proven':
      case 'unchecked':
        return [];
    }
  });
}

/** The configured keys are not this database's keys; the message never contains a key. */
export class DatabaseKeyMismatchError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `${problems.join('; ')}. Refusing to start: anything written under a wrong key could never ` +
        `be read back. Start with the keys this database was encrypted with.`,
    );
    this.name = 'DatabaseKeyMismatchError';
  }
}

/**
 * Enrols the configured keys on a database that has no check values yet, or verifies them
 * against the stored ones; throws DatabaseKeyMismatchError when they do not fit.
 */
export async function verifyDatabaseKeys(
  config: AppConfig,
  logger?: Pick<Logger, 'log'>,
): Promise<'enrolled' | 'verified'> {
  const { transactions, close } = await openSingleConnectionTransactions(
    config,
    'smartretail-key-check',
  );
  try {
    const { rows } = await transactions.run({ role: 'admin' }, (client) =>
      client.query<KeyStatusRow>(
        'SELECT key_name, status FROM smartretail.enrol_or_verify_session_keys()',
      ),
    );
    const problems = keyStatusProblems(rows);
    if (problems.length) throw new DatabaseKeyMismatchError(problems);
    const outcome = rows.some((r) => r.status === 'enrolled') ? 'enrolled' : 'verified';
    logger?.log(
      outcome === 'enrolled'
        ? 'Encryption keys enrolled: this database now keeps their check values'
        : 'Encryption keys match this database',
    );
    return outcome;
  } finally {
    await close();
  }
}
