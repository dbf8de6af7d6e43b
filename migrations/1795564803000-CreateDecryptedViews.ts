import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Read surfaces, named as in the seed system (`v_<table>_decrypted`) so its SQL keeps working.
 * They decrypt with the key of the current transaction, so a role granted a view still sees
 * nothing without the key, and the key never has to live in the database.
 * `v_clients_pseudonymised` is what `analyst` gets instead of clear client data: no name, no
 * e-mail, the birth year only.
 */
export class CreateDecryptedViews1795564803000 implements MigrationInterface {
  name = 'CreateDecryptedViews1795564803000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION smartretail.decrypt(v bytea) RETURNS text
      LANGUAGE sql STABLE PARALLEL SAFE
      AS $$ SELECT public.pgp_sym_decrypt(v, smartretail.encryption_key()) $$`);

    await queryRunner.query(`
      CREATE VIEW v_clients_decrypted AS
      SELECT client_id,
             smartretail.decrypt(nom) AS nom,
             smartretail.decrypt(prenom) AS prenom,
             smartretail.decrypt(email) AS email,
             smartretail.decrypt(date_naissance)::date AS date_naissance,
             smartretail.decrypt(sexe) AS sexe,
             smartretail.decrypt(ville) AS ville,
             date_inscription
        FROM clients`);

    await queryRunner.query(`
      CREATE VIEW v_clients_pseudonymised AS
      SELECT client_id,
             extract(year FROM smartretail.decrypt(date_naissance)::date)::integer AS annee_naissance,
             smartretail.decrypt(sexe) AS sexe,
             smartretail.decrypt(ville) AS ville,
             date_inscription
        FROM clients`);

    await queryRunner.query(`
      CREATE VIEW v_magasins_decrypted AS
      SELECT magasin_id, nom, adresse, ville, code_postal, region FROM magasins`);
    await queryRunner.query(`
      CREATE VIEW v_produits_decrypted AS
      SELECT produit_id, nom, categorie, prix, stock FROM produits`);
    await queryRunner.query(`
      CREATE VIEW v_cartes_fidelite_decrypted AS
      SELECT carte_id, client_id, date_creation, points FROM cartes_fidelite`);
    await queryRunner.query(`
      CREATE VIEW v_transactions_decrypted AS
      SELECT transaction_id, client_id, magasin_id, date_achat, montant_total, mode_paiement FROM transactions`);
    await queryRunner.query(`
      CREATE VIEW v_details_transactions_decrypted AS
      SELECT detail_id, transaction_id, produit_id, quantite, prix_unitaire FROM details_transactions`);
    await queryRunner.query(`
      CREATE VIEW v_cameras_decrypted AS
      SELECT camera_id, magasin_id, date_heure, nombre_clients FROM cameras`);
    await queryRunner.query(`
      CREATE VIEW v_capteurs_iot_decrypted AS
      SELECT capteur_id, produit_id, magasin_id, niveau_stock, date_maj FROM capteurs_iot`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const view of [
      'v_capteurs_iot_decrypted',
      'v_cameras_decrypted',
      'v_details_transactions_decrypted',
      'v_transactions_decrypted',
      'v_cartes_fidelite_decrypted',
      'v_produits_decrypted',
      'v_magasins_decrypted',
      'v_clients_pseudonymised',
      'v_clients_decrypted',
    ]) {
      await queryRunner.query(`DROP VIEW IF EXISTS ${view}`);
    }
    await queryRunner.query(`DROP FUNCTION IF EXISTS smartretail.decrypt(bytea)`);
  }
}
