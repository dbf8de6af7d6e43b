/**
 * Erasure by crypto-shredding (Art. 17), in the caller's transaction: the client's data key is
 * deleted first, then the row becomes a tombstone (the protection trigger clears the personal
 * columns, the blind index and the digest, and refuses to while a key still exists). Every copy
 * of the ciphertext, in this table's history or in a copy of it, was encrypted under that key.
 */
import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';

export type ErasureOutcome = 'erased' | 'already-erased' | 'unknown';

@Injectable()
export class ClientErasureRepository {
  async erase(client: PoolClient, clientId: number): Promise<ErasureOutcome> {
    // The row lock serialises two erasures, and an erasure with an import updating the client.
    const found = await client.query<{ erased: boolean }>(
      'SELECT erased_at IS NOT NULL AS erased FROM clients WHERE client_id = $1 FOR UPDATE',
      [clientId],
    );
    if (!found.rowCount) return 'unknown';
    if (found.rows[0].erased) {
      // The database refuses a key for an erased client, but one restored from a backup, or
      // written before that refusal existed, would make the person readable again: erasing
      // again destroys it.
      await this.destroyKeys(client, [clientId]);
      return 'already-erased';
    }
    await this.eraseLocked(client, [clientId]);
    return 'erased';
  }

  /** Erases living clients whose rows this transaction already holds locked, in two statements. */
  async eraseLocked(client: PoolClient, clientIds: number[]): Promise<void> {
    await this.destroyKeys(client, clientIds);
    await client.query('UPDATE clients SET erased_at = now() WHERE client_id = ANY($1::int[])', [
      clientIds,
    ]);
  }

  private async destroyKeys(client: PoolClient, clientIds: number[]): Promise<void> {
    await client.query('DELETE FROM smartretail.client_keys WHERE client_id = ANY($1::int[])', [
      clientIds,
    ]);
  }
}
