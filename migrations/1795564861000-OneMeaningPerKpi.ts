import { MigrationInterface, QueryRunner } from 'typeorm';

export const DATA_QUALITY_VIEWS = ['kpi_data_quality_daily', 'kpi_orphan_lines'] as const;

/**
 * One name, one meaning per business figure. CreateKpiViews called two different sums
 * "chiffre_affaires": the receipts' `montant_total` (kpi_basket_daily) and the lines'
 * `quantite * prix_unitaire` (kpi_revenue_daily, kpi_product_sales_daily), which differ when
 * receipts and lines disagree (by a factor of 7.8 over the seed system's own exports). From now:
 * - chiffre_affaires = what customers paid, sum of transactions.montant_total (kpi_revenue_daily,
 *   kpi_basket_daily), by day and store (a receipt has no category);
 * - ventes_lignes = sum of the lines' quantite * prix_unitaire, the only figure that can be split
 *   by category (kpi_line_sales_daily) or product (kpi_product_sales_daily).
 * The gap between the two is itself a KPI, data quality: receipts whose lines do not add up to
 * their total, receipts without lines, and lines of unknown receipts.
 */
export class OneMeaningPerKpi1795564861000 implements MigrationInterface {
  name = 'OneMeaningPerKpi1795564861000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP VIEW kpi_revenue_daily`);

    await queryRunner.query(`
      CREATE VIEW kpi_revenue_daily AS
      SELECT t.date_achat AS jour,
             t.magasin_id,
             m.nom AS magasin,
             count(*)::bigint AS transactions,
             sum(t.montant_total)::numeric(14,2) AS chiffre_affaires
        FROM transactions t
        JOIN magasins m ON m.magasin_id = t.magasin_id
       GROUP BY t.date_achat, t.magasin_id, m.nom`);

    await queryRunner.query(`
      CREATE VIEW kpi_line_sales_daily AS
      SELECT t.date_achat AS jour,
             t.magasin_id,
             m.nom AS magasin,
             coalesce(p.categorie, 'Sans catégorie') AS categorie,
             sum(d.quantite * d.prix_unitaire)::numeric(14,2) AS ventes_lignes,
             sum(d.quantite)::bigint AS quantite,
             count(DISTINCT t.transaction_id)::bigint AS transactions
        FROM details_transactions d
        JOIN transactions t ON t.transaction_id = d.transaction_id
        JOIN produits p ON p.produit_id = d.produit_id
        JOIN magasins m ON m.magasin_id = t.magasin_id
       GROUP BY t.date_achat, t.magasin_id, m.nom, coalesce(p.categorie, 'Sans catégorie')`);

    await queryRunner.query(
      `ALTER VIEW kpi_product_sales_daily RENAME COLUMN chiffre_affaires TO ventes_lignes`,
    );

    // Per receipt: the sum of its lines against its total. Amounts have 2 decimals, so any
    // difference is a real one (no tolerance needed).
    await queryRunner.query(`
      CREATE VIEW kpi_data_quality_daily AS
      WITH receipts AS (
        SELECT t.date_achat, t.magasin_id, t.montant_total,
               sum(d.quantite * d.prix_unitaire) AS lignes,
               count(d.detail_id) AS nb_lignes
          FROM transactions t
          LEFT JOIN details_transactions d ON d.transaction_id = t.transaction_id
         GROUP BY t.transaction_id
      )
      SELECT r.date_achat AS jour,
             r.magasin_id,
             m.nom AS magasin,
             count(*)::bigint AS transactions,
             count(*) FILTER (WHERE r.nb_lignes > 0 AND r.lignes <> r.montant_total)::bigint
               AS transactions_ecart,
             coalesce(sum(abs(r.montant_total - r.lignes)) FILTER (WHERE r.nb_lignes > 0), 0)
               ::numeric(14,2) AS ecart_montant,
             count(*) FILTER (WHERE r.nb_lignes = 0)::bigint AS transactions_sans_lignes,
             coalesce(sum(r.montant_total) FILTER (WHERE r.nb_lignes = 0), 0)::numeric(14,2)
               AS montant_sans_lignes
        FROM receipts r
        JOIN magasins m ON m.magasin_id = r.magasin_id
       GROUP BY r.date_achat, r.magasin_id, m.nom`);

    // The foreign key of details_transactions keeps lines of unknown receipts out of the
    // database: the importer rejects them ("no transactions row with transaction_id = N").
    // They are counted from the rejections of the latest successful import of the lines, i.e.
    // the lines of the current load that are missing. The view runs with its owner's
    // privileges, so readers get this count without any access to the import history.
    await queryRunner.query(`
      CREATE VIEW kpi_orphan_lines AS
      WITH latest AS (
        SELECT id, finished_at FROM import_runs
         WHERE dataset = 'details_transactions' AND status = 'succeeded'
         ORDER BY finished_at DESC, id
         LIMIT 1
      )
      SELECT (SELECT count(*) FROM import_rejections j, latest l
               WHERE j.run_id = l.id AND j.column_name = 'transaction_id'
                 AND j.reason LIKE 'no transactions row with %')::bigint
               AS lignes_transaction_inconnue,
             (SELECT finished_at FROM latest) AS importees_le`);

    const views = ['kpi_revenue_daily', 'kpi_line_sales_daily', ...DATA_QUALITY_VIEWS].join(', ');
    await queryRunner.query(`REVOKE ALL ON ${views} FROM PUBLIC`);
    await queryRunner.query(`GRANT SELECT ON ${views} TO admin, analyst, grafana`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const view of [...DATA_QUALITY_VIEWS, 'kpi_line_sales_daily', 'kpi_revenue_daily']) {
      await queryRunner.query(`DROP VIEW IF EXISTS ${view}`);
    }
    await queryRunner.query(
      `ALTER VIEW kpi_product_sales_daily RENAME COLUMN ventes_lignes TO chiffre_affaires`,
    );
    await queryRunner.query(`
      CREATE VIEW kpi_revenue_daily AS
      SELECT t.date_achat AS jour, t.magasin_id, m.nom AS magasin,
             coalesce(p.categorie, 'Sans catégorie') AS categorie,
             sum(d.quantite * d.prix_unitaire)::numeric(14,2) AS chiffre_affaires,
             sum(d.quantite)::bigint AS quantite,
             count(DISTINCT t.transaction_id)::bigint AS transactions
        FROM details_transactions d
        JOIN transactions t ON t.transaction_id = d.transaction_id
        JOIN produits p ON p.produit_id = d.produit_id
        JOIN magasins m ON m.magasin_id = t.magasin_id
       GROUP BY t.date_achat, t.magasin_id, m.nom, coalesce(p.categorie, 'Sans catégorie')`);
    await queryRunner.query(`REVOKE ALL ON kpi_revenue_daily FROM PUBLIC`);
    await queryRunner.query(`GRANT SELECT ON kpi_revenue_daily TO admin, analyst, grafana`);
  }
}
