import { MigrationInterface, QueryRunner } from 'typeorm';

/** Below this many units, the latest sensor reading of a product in a store raises an alert. */
const STOCK_ALERT_THRESHOLD = 50;

const KPI_VIEWS = [
  'kpi_stores',
  'kpi_revenue_daily',
  'kpi_product_sales_daily',
  'kpi_basket_daily',
  'kpi_footfall_hourly',
  'kpi_conversion_daily',
  'kpi_stock_alerts',
] as const;

/**
 * Business KPIs as non-personal aggregate views: what dashboards (`grafana`) and the KPI API
 * (`analyst`, `admin`) read. No view selects a client column, not even client_id, so granting
 * them cannot leak personal data. The views run with their owner's privileges, which is why
 * `grafana` needs SELECT on these views only, never on a base table.
 * Dates are store-local calendar days (the source data carries no time zone).
 */
export class CreateKpiViews1795564821000 implements MigrationInterface {
  name = 'CreateKpiViews1795564821000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Store list for dashboard variables (store names and places are not personal data).
    await queryRunner.query(`
      CREATE VIEW kpi_stores AS
      SELECT magasin_id, nom, ville, region FROM magasins`);

    // Revenue (chiffre d'affaires) = sum of line amounts, by day, store and product category.
    await queryRunner.query(`
      CREATE VIEW kpi_revenue_daily AS
      SELECT t.date_achat AS jour,
             t.magasin_id,
             m.nom AS magasin,
             coalesce(p.categorie, 'Sans catégorie') AS categorie,
             sum(d.quantite * d.prix_unitaire)::numeric(14,2) AS chiffre_affaires,
             sum(d.quantite)::bigint AS quantite,
             count(DISTINCT t.transaction_id)::bigint AS transactions
        FROM details_transactions d
        JOIN transactions t ON t.transaction_id = d.transaction_id
        JOIN produits p ON p.produit_id = d.produit_id
        JOIN magasins m ON m.magasin_id = t.magasin_id
       GROUP BY t.date_achat, t.magasin_id, m.nom, coalesce(p.categorie, 'Sans catégorie')`);

    // Product sales by day and store; "top products" ranks them over a date range.
    await queryRunner.query(`
      CREATE VIEW kpi_product_sales_daily AS
      SELECT t.date_achat AS jour,
             t.magasin_id,
             d.produit_id,
             p.nom AS produit,
             p.categorie,
             sum(d.quantite)::bigint AS quantite,
             sum(d.quantite * d.prix_unitaire)::numeric(14,2) AS chiffre_affaires
        FROM details_transactions d
        JOIN transactions t ON t.transaction_id = d.transaction_id
        JOIN produits p ON p.produit_id = d.produit_id
       GROUP BY t.date_achat, t.magasin_id, d.produit_id, p.nom, p.categorie`);

    // Number of transactions and average basket (montant_total of the receipt) by day and store.
    await queryRunner.query(`
      CREATE VIEW kpi_basket_daily AS
      SELECT t.date_achat AS jour,
             t.magasin_id,
             m.nom AS magasin,
             count(*)::bigint AS transactions,
             sum(t.montant_total)::numeric(14,2) AS chiffre_affaires,
             avg(t.montant_total)::numeric(14,2) AS panier_moyen
        FROM transactions t
        JOIN magasins m ON m.magasin_id = t.magasin_id
       GROUP BY t.date_achat, t.magasin_id, m.nom`);

    // Footfall (fréquentation) from the smart cameras, by store and hour.
    await queryRunner.query(`
      CREATE VIEW kpi_footfall_hourly AS
      SELECT date_trunc('hour', c.date_heure) AS heure,
             c.magasin_id,
             m.nom AS magasin,
             sum(c.nombre_clients)::bigint AS visiteurs
        FROM cameras c
        JOIN magasins m ON m.magasin_id = c.magasin_id
       GROUP BY date_trunc('hour', c.date_heure), c.magasin_id, m.nom`);

    // Conversion = transactions / visitors, per store and day. A day known to only one source
    // still appears (full join), with a NULL rate rather than a made-up 0 or infinity.
    await queryRunner.query(`
      CREATE VIEW kpi_conversion_daily AS
      WITH sales AS (
        SELECT magasin_id, date_achat AS jour, count(*)::bigint AS transactions
          FROM transactions GROUP BY magasin_id, date_achat
      ), visits AS (
        SELECT magasin_id, date_heure::date AS jour, sum(nombre_clients)::bigint AS visiteurs
          FROM cameras GROUP BY magasin_id, date_heure::date
      )
      SELECT jour,
             magasin_id,
             m.nom AS magasin,
             coalesce(s.transactions, 0) AS transactions,
             v.visiteurs,
             CASE WHEN v.visiteurs > 0
                  THEN round(coalesce(s.transactions, 0)::numeric / v.visiteurs, 4)
             END AS taux_conversion
        FROM sales s
        FULL JOIN visits v USING (magasin_id, jour)
        JOIN magasins m USING (magasin_id)`);

    // Latest IoT reading per store x product, kept when it is below the alert threshold.
    await queryRunner.query(`
      CREATE VIEW kpi_stock_alerts AS
      SELECT r.magasin_id,
             m.nom AS magasin,
             r.produit_id,
             p.nom AS produit,
             r.niveau_stock,
             ${STOCK_ALERT_THRESHOLD} AS seuil_alerte,
             r.date_maj
        FROM (
          SELECT DISTINCT ON (magasin_id, produit_id) magasin_id, produit_id, niveau_stock, date_maj
            FROM capteurs_iot
           ORDER BY magasin_id, produit_id, date_maj DESC, capteur_id DESC
        ) r
        JOIN magasins m ON m.magasin_id = r.magasin_id
        JOIN produits p ON p.produit_id = r.produit_id
       WHERE r.niveau_stock < ${STOCK_ALERT_THRESHOLD}`);

    const views = KPI_VIEWS.join(', ');
    await queryRunner.query(`REVOKE ALL ON ${views} FROM PUBLIC`);
    await queryRunner.query(`GRANT SELECT ON ${views} TO admin, analyst, grafana`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const view of [...KPI_VIEWS].reverse()) {
      await queryRunner.query(`DROP VIEW IF EXISTS ${view}`);
    }
  }
}
