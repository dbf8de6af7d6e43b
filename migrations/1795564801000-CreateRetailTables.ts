import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The eight retail tables, with the seed system's table and column names.
 * Personal client columns are `bytea`: they only ever hold pgcrypto ciphertext, written by the
 * trigger of the next migration. Because ciphertext defeats CHECK constraints, their validation
 * (date format, allowed values) happens in that trigger, before encryption.
 * `email_hash` is the blind index for e-mail lookups; `pii_digest` lets a loader tell an
 * unchanged row from an edited one without decrypting anything.
 */
export class CreateRetailTables1795564801000 implements MigrationInterface {
  name = 'CreateRetailTables1795564801000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE clients (
        client_id        integer PRIMARY KEY CHECK (client_id > 0),
        nom              bytea NOT NULL,
        prenom           bytea NOT NULL,
        email            bytea NOT NULL,
        date_naissance   bytea,
        sexe             bytea,
        ville            bytea,
        date_inscription date,
        email_hash       bytea,
        pii_digest       bytea
      )`);
    await queryRunner.query(`CREATE INDEX clients_email_hash_idx ON clients (email_hash)`);

    await queryRunner.query(`
      CREATE TABLE magasins (
        magasin_id  integer PRIMARY KEY CHECK (magasin_id > 0),
        nom         text NOT NULL,
        adresse     text,
        ville       text,
        code_postal text,
        region      text
      )`);

    await queryRunner.query(`
      CREATE TABLE produits (
        produit_id integer PRIMARY KEY CHECK (produit_id > 0),
        nom        text NOT NULL,
        categorie  text,
        prix       numeric(12,2) NOT NULL CHECK (prix >= 0),
        stock      integer CHECK (stock >= 0)
      )`);

    await queryRunner.query(`
      CREATE TABLE cartes_fidelite (
        carte_id      integer PRIMARY KEY CHECK (carte_id > 0),
        client_id     integer NOT NULL REFERENCES clients (client_id),
        date_creation date,
        points        integer CHECK (points >= 0)
      )`);
    await queryRunner.query(
      `CREATE INDEX cartes_fidelite_client_id_idx ON cartes_fidelite (client_id)`,
    );

    await queryRunner.query(`
      CREATE TABLE transactions (
        transaction_id integer PRIMARY KEY CHECK (transaction_id > 0),
        client_id      integer NOT NULL REFERENCES clients (client_id),
        magasin_id     integer NOT NULL REFERENCES magasins (magasin_id),
        date_achat     date NOT NULL,
        montant_total  numeric(12,2) NOT NULL CHECK (montant_total >= 0),
        mode_paiement  text
      )`);
    await queryRunner.query(`CREATE INDEX transactions_client_id_idx ON transactions (client_id)`);
    await queryRunner.query(
      `CREATE INDEX transactions_magasin_id_idx ON transactions (magasin_id)`,
    );
    await queryRunner.query(
      `CREATE INDEX transactions_date_achat_idx ON transactions (date_achat)`,
    );

    await queryRunner.query(`
      CREATE TABLE details_transactions (
        detail_id      integer PRIMARY KEY CHECK (detail_id > 0),
        transaction_id integer NOT NULL REFERENCES transactions (transaction_id),
        produit_id     integer NOT NULL REFERENCES produits (produit_id),
        quantite       integer NOT NULL CHECK (quantite >= 1),
        prix_unitaire  numeric(12,2) NOT NULL CHECK (prix_unitaire >= 0)
      )`);
    await queryRunner.query(
      `CREATE INDEX details_transactions_transaction_id_idx ON details_transactions (transaction_id)`,
    );
    await queryRunner.query(
      `CREATE INDEX details_transactions_produit_id_idx ON details_transactions (produit_id)`,
    );

    await queryRunner.query(`
      CREATE TABLE cameras (
        camera_id      integer PRIMARY KEY CHECK (camera_id > 0),
        magasin_id     integer NOT NULL REFERENCES magasins (magasin_id),
        date_heure     timestamp without time zone NOT NULL,
        nombre_clients integer NOT NULL CHECK (nombre_clients >= 0)
      )`);
    await queryRunner.query(`CREATE INDEX cameras_magasin_id_idx ON cameras (magasin_id)`);

    await queryRunner.query(`
      CREATE TABLE capteurs_iot (
        capteur_id   integer PRIMARY KEY CHECK (capteur_id > 0),
        produit_id   integer NOT NULL REFERENCES produits (produit_id),
        magasin_id   integer NOT NULL REFERENCES magasins (magasin_id),
        niveau_stock integer NOT NULL CHECK (niveau_stock >= 0),
        date_maj     timestamp without time zone NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX capteurs_iot_produit_id_idx ON capteurs_iot (produit_id)`,
    );
    await queryRunner.query(
      `CREATE INDEX capteurs_iot_magasin_id_idx ON capteurs_iot (magasin_id)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'capteurs_iot',
      'cameras',
      'details_transactions',
      'transactions',
      'cartes_fidelite',
      'produits',
      'magasins',
      'clients',
    ]) {
      await queryRunner.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
