/**
 * Master-key rotation, online: re-wraps every client's data key from master-key version N to
 * N + 1, a batch per transaction, while imports and reads go on. 32-byte keys are re-wrapped;
 * no personal value is decrypted or re-encrypted.
 *
 * Protocol (docs/gdpr.md, "Master-key rotation"): every instance first runs with NEW_ENCRYPTION_KEY (the
 * next version) beside ENCRYPTION_KEY, so each one unwraps both versions and wraps new data keys
 * under the new one; the first of them to start enrols the new version and moves the key check
 * value to it. This rotation then re-wraps what is left under the old version. Its progress is
 * the data itself (each key records its version), so a rotation killed mid-way resumes where it
 * stopped, and running it again after the end does nothing.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { PoolClient } from 'pg';
import type { AppConfig } from '../config/app-config';
import { RoleScopedTransactions } from '../database/role-scoped-transactions';
import { sessionMasterKeys } from '../database/session-master-keys';

export interface RotationProgress {
  rewrapped: number;
  remaining: number;
}

export interface RotationOutcome {
  fromVersion: number;
  toVersion: number;
  rewrapped: number;
}

/**
 * SKIP LOCKED: a key locked by an erasure is left for a later batch, not waited for. Each key
 * is unwrapped with its client id checked, and wrapped again bound to the same client
 * (1795564970000-BindValuesToTheirClient.ts): a key moved to another client stops the
 * rotation with an error naming the client instead of being re-wrapped as that client's.
 */
const REWRAP_BATCH = `
  WITH batch AS (
    SELECT client_id FROM smartretail.client_keys
     WHERE master_key_version = $1
     ORDER BY master_key_version, client_id
     LIMIT $2
       FOR UPDATE SKIP LOCKED
  )
  UPDATE smartretail.client_keys k
     SET wrapped_key = smartretail.wrap_data_key(k.client_id,
           smartretail.data_key(k.client_id, k.wrapped_key, k.master_key_version)),
         master_key_version = smartretail.encryption_key_version()
    FROM batch
   WHERE k.client_id = batch.client_id`;

const REMAINING = `SELECT count(*)::int AS n FROM smartretail.client_keys WHERE master_key_version = $1`;

export class MasterKeyRotation {
  constructor(
    private readonly transactions: RoleScopedTransactions,
    private readonly config: AppConfig,
  ) {}

  async run(
    batchSize: number,
    onProgress: (p: RotationProgress) => void = () => undefined,
  ): Promise<RotationOutcome> {
    const { version } = sessionMasterKeys(this.config);
    const from = version - 1;
    let rewrapped = 0;
    for (;;) {
      const done = await this.admin((c) => c.query(REWRAP_BATCH, [from, batchSize]));
      rewrapped += done.rowCount ?? 0;
      const remaining = (await this.admin((c) => c.query<{ n: number }>(REMAINING, [from]))).rows[0]
        .n;
      onProgress({ rewrapped, remaining });
      if (!remaining) break;
      // Only keys locked by someone else are left: let them finish.
      if (!done.rowCount) await sleep(100);
    }
    await this.admin((c) => c.query('SELECT smartretail.retire_master_key_versions()'));
    return { fromVersion: from, toVersion: version, rewrapped };
  }

  private admin<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.transactions.run({ role: 'admin', statementTimeoutMs: 0 }, work);
  }
}
