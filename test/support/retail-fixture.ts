/**
 * Loads a small, FK-consistent retail data set as `writer` (with the keys, as the importer
 * would), set-based: clients from the client factory, stores, products, cards, transactions,
 * lines, camera counts and sensor readings.
 */
import { Client } from 'pg';
import { aClient, ClientRow } from './client-factory';
import { inTransaction } from './test-database';

export const manyClients = (count: number, first = 1): ClientRow[] =>
  Array.from({ length: count }, (_, i) => {
    const id = first + i;
    return aClient({
      client_id: id,
      date_naissance: `19${50 + (id % 50)}-0${1 + (id % 9)}-1${id % 10}`,
      sexe: ['H', 'F', 'Autre'][id % 3],
      date_inscription: `2024-0${1 + (id % 9)}-2${id % 8}`,
    });
  });

export async function insertClients(client: Client, rows: ClientRow[]): Promise<void> {
  const col = <K extends keyof ClientRow>(k: K) => rows.map((r) => r[k]);
  await inTransaction(client, { role: 'writer' }, () =>
    client.query(
      `INSERT INTO clients (client_id, nom, prenom, email, date_naissance, sexe, ville, date_inscription)
       SELECT id, convert_to(nom, 'UTF8'), convert_to(prenom, 'UTF8'), convert_to(email, 'UTF8'),
              convert_to(naissance, 'UTF8'), convert_to(sexe, 'UTF8'), convert_to(ville, 'UTF8'),
              inscription::date
         FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                     $7::text[], $8::text[])
              AS t(id, nom, prenom, email, naissance, sexe, ville, inscription)`,
      [
        col('client_id'),
        col('nom'),
        col('prenom'),
        col('email'),
        col('date_naissance'),
        col('sexe'),
        col('ville'),
        col('date_inscription'),
      ],
    ),
  );
}

/** Every dataset with a few rows: 3 stores, 4 products, and per client a card and a purchase. */
export async function loadRetailFixture(client: Client, clientCount = 12): Promise<void> {
  await insertClients(client, manyClients(clientCount));
  await inTransaction(client, { role: 'writer' }, async () => {
    await client.query(`
      INSERT INTO magasins (magasin_id, nom, adresse, ville, code_postal, region)
      SELECT g, 'Magasin ' || g, g || ' rue de la Paix', 'Lyon', '0600' || g, 'Auvergne-Rhône-Alpes'
        FROM generate_series(1, 3) g`);
    await client.query(`
      INSERT INTO produits (produit_id, nom, categorie, prix, stock)
      SELECT g, 'Produit ' || g, 'Épicerie', g * 1.25, g * 10 FROM generate_series(1, 4) g`);
    await client.query(
      `INSERT INTO cartes_fidelite (carte_id, client_id, date_creation, points)
       SELECT g, g, date '2024-01-01' + g, g * 5 FROM generate_series(1, $1::int) g`,
      [clientCount],
    );
    await client.query(
      `INSERT INTO transactions (transaction_id, client_id, magasin_id, date_achat, montant_total, mode_paiement)
       SELECT g, g, 1 + g % 3, date '2024-03-01' + g, g * 2.5, 'carte' FROM generate_series(1, $1::int) g`,
      [clientCount],
    );
    await client.query(
      `INSERT INTO details_transactions (detail_id, transaction_id, produit_id, quantite, prix_unitaire)
       SELECT g, g, 1 + g % 4, 1 + g % 2, 1.25 FROM generate_series(1, $1::int) g`,
      [clientCount],
    );
    await client.query(`
      INSERT INTO cameras (camera_id, magasin_id, date_heure, nombre_clients)
      SELECT g, 1 + g % 3, timestamp '2024-03-01 08:00' + g * interval '1 hour', g
        FROM generate_series(1, 6) g`);
    await client.query(`
      INSERT INTO capteurs_iot (capteur_id, produit_id, magasin_id, niveau_stock, date_maj)
      SELECT g, 1 + g % 4, 1 + g % 3, g * 3, timestamp '2024-03-01 08:00' + g * interval '1 day'
        FROM generate_series(1, 6) g`);
  });
}
