import { Client } from 'pg';
import { inTransaction, TestDatabase } from '../support/test-database';

const NEW_CLIENTS = 300;

/**
 * The trigger and client_data_key() look a data key up once per row, with plans cached for the
 * session. Made while smartretail.client_keys is empty and analysed (a new database, or one
 * whose clients were all erased), such a plan scanned the whole table for each row: inserting
 * many clients outside the importer went quadratic. Counted, not timed: the sequential scans of
 * client_keys in the inserting transaction.
 */
describe('data-key lookups of the protection trigger', () => {
  let db: TestDatabase;
  let client: Client;

  beforeAll(async () => {
    db = await TestDatabase.create();
    client = await db.connect('app_user');
    await db.asOwner((owner) => owner.query('VACUUM ANALYZE smartretail.client_keys'));
  });
  afterAll(async () => {
    await client.end();
    await db.drop();
  });

  it('use the primary key even when client_keys was analysed empty', async () => {
    const scans = await inTransaction(client, { role: 'admin' }, async () => {
      const { rows: before } = await client.query<{ n: string }>(
        `SELECT reltuples::bigint AS n FROM pg_class WHERE oid = 'smartretail.client_keys'::regclass`,
      );
      expect(before[0].n).toBe('0');
      // One statement inserting many new clients, as psql would: the trigger creates each key.
      await client.query(
        `INSERT INTO clients (client_id, nom, prenom, email, date_inscription)
         SELECT g, convert_to('Nom ' || g, 'UTF8'), convert_to('Prenom', 'UTF8'),
                convert_to('c' || g || '@exemple.fr', 'UTF8'), DATE '2024-01-01'
           FROM generate_series(1, $1::int) g`,
        [NEW_CLIENTS],
      );
      const { rows } = await client.query<{ seq: string; idx: string; keys: string }>(
        `SELECT s.seq_scan AS seq, s.idx_scan AS idx,
                (SELECT count(*) FROM smartretail.client_keys) AS keys
           FROM pg_stat_xact_user_tables s WHERE s.relid = 'smartretail.client_keys'::regclass`,
      );
      return rows[0];
    });
    expect(Number(scans.keys)).toBe(NEW_CLIENTS);
    // Two lookups per new client (the trigger's, then client_data_key's), none sequential.
    expect(Number(scans.idx)).toBeGreaterThanOrEqual(2 * NEW_CLIENTS);
    expect(Number(scans.seq)).toBeLessThanOrEqual(1);
  });
});
