/**
 * A retail data set where two clients share a store and a product, one of them with more
 * transactions than one cursor page of the export holds, so "everything about this client and
 * nothing about the other" is tested where it could go wrong.
 */
import { Client } from 'pg';
import { loadRetailFixture } from '../support/retail-fixture';
import { inTransaction } from '../support/test-database';

/** Clients 3 and 6 of loadRetailFixture both buy in store 1 (1 + id % 3). */
export const BUSY_CLIENT = 3;
export const NEIGHBOUR_CLIENT = 6;
/** Transactions added to the busy client, beyond EXPORT_FETCH_ROWS. */
export const EXTRA_TRANSACTIONS = 1_200;

export async function loadExportFixture(client: Client): Promise<void> {
  await loadRetailFixture(client, 6);
  await inTransaction(client, { role: 'writer' }, async () => {
    await client.query(
      `INSERT INTO cartes_fidelite (carte_id, client_id, date_creation, points)
       VALUES (100, $1, '2025-01-01', 7), (101, $2, '2025-01-02', 9)`,
      [BUSY_CLIENT, NEIGHBOUR_CLIENT],
    );
    // Both clients, same store, same product, interleaved ids.
    await client.query(
      `INSERT INTO transactions (transaction_id, client_id, magasin_id, date_achat, montant_total, mode_paiement)
       SELECT 1000 + g, CASE WHEN g <= $3 THEN $1::int ELSE $2::int END, 1,
              date '2025-01-01' + g % 300, 3.75, 'espèces'
         FROM generate_series(1, $3::int + 20) g`,
      [BUSY_CLIENT, NEIGHBOUR_CLIENT, EXTRA_TRANSACTIONS],
    );
    await client.query(`
      INSERT INTO details_transactions (detail_id, transaction_id, produit_id, quantite, prix_unitaire)
      SELECT 10000 + 2 * t.transaction_id + k, t.transaction_id, 2, 1 + k, 1.25
        FROM transactions t, generate_series(0, 1) k
       WHERE t.transaction_id > 1000`);
  });
}
