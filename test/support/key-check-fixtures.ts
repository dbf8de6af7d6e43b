/**
 * Helpers for the wrong-key specifications: wrong keys, a psql-like session with chosen keys,
 * and databases in the states an upgrade or a first start finds.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { decodeSecret } from '../../src/config/secret-key.validator';
import { insertClients, manyClients } from './retail-fixture';
import { canonicalKey, TestDatabase, testSecrets } from './test-database';

export const aWrongKey = (): string => randomBytes(32).toString('hex');

/** Every form in which a key could leak: as configured, canonical hex, raw bytes. */
export function keyForms(secret: string): Buffer[] {
  return [Buffer.from(secret), Buffer.from(canonicalKey(secret)), decodeSecret(secret)!];
}

/** Runs one statement the way a person in psql would: any login, SET ROLE, keys as typed. */
export async function inPsqlSession(
  client: Client,
  session: { role?: 'admin' | 'writer'; encryptionKey?: string; blindIndexKey?: string },
  sql: string,
  params: unknown[] = [],
): Promise<unknown[]> {
  const s = testSecrets();
  await client.query('BEGIN');
  try {
    await client.query(
      `SELECT set_config('smartretail.encryption_key', $1, true),
              set_config('smartretail.blind_index_key', $2, true)`,
      [
        canonicalKey(session.encryptionKey ?? s.encryptionKey),
        canonicalKey(session.blindIndexKey ?? s.blindIndexKey),
      ],
    );
    if (session.role) await client.query(`SELECT set_config('role', $1, true)`, [session.role]);
    const { rows } = await client.query(sql, params);
    await client.query('COMMIT');
    return rows;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

export const countClients = (db: TestDatabase): Promise<number> =>
  db.asOwner(async (c) => (await c.query('SELECT count(*)::int AS n FROM clients')).rows[0].n);

/** The stored check values by key name, read as the owner (nobody else can). */
export const checkValues = (db: TestDatabase): Promise<Record<string, Buffer>> =>
  db.asOwner(async (c) => {
    const { rows } = await c.query<{ key_name: string; check_value: Buffer }>(
      'SELECT key_name, check_value FROM smartretail.key_check_values',
    );
    return Object.fromEntries(rows.map((r) => [r.key_name, r.check_value]));
  });

/**
 * A database as an upgrade finds it: `clients` rows written under the right keys, and no key
 * check values yet (they did not exist before).
 */
export async function databaseWithoutCheckValues(clients: number): Promise<TestDatabase> {
  const db = await TestDatabase.create();
  await db.asOwner(async (c) => {
    if (clients) await insertClients(c, manyClients(clients));
    await c.query('DELETE FROM smartretail.key_check_values');
    // The per-version check values of envelope encryption are check values too.
    await c.query('DELETE FROM smartretail.master_key_versions');
  });
  return db;
}
