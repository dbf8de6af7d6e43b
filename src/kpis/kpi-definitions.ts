/**
 * The KPIs served by GET /kpis/{name}, and their catalog (GET /kpis): each reads aggregate views
 * (see the CreateKpiViews and OneMeaningPerKpi migrations). Column lists are fixed SQL
 * fragments chosen here, never built from input. A column name means the same thing in every
 * KPI: `chiffre_affaires` is always what customers paid (receipts' montant_total),
 * `ventes_lignes` always the sum of the lines' quantite * prix_unitaire.
 */
export const KPI_NAMES = [
  'revenue',
  'basket',
  'line-sales',
  'top-products',
  'footfall',
  'conversion',
  'stock-alerts',
  'data-quality',
] as const;
export type KpiName = (typeof KPI_NAMES)[number];

export const isKpiName = (name: string): name is KpiName =>
  (KPI_NAMES as readonly string[]).includes(name);

export interface KpiDefinition {
  description: string;
  /** Every column of a row, with its meaning (served by GET /kpis). */
  columns: Record<string, string>;
  /** SELECT ... FROM ... with $1 = from (date), $2 = to (date), $3 = magasin_id, $4 = limit. */
  sql: string;
  defaultLimit: number;
}

const DAY_FILTER = (column: string) => `
   WHERE ($1::date IS NULL OR ${column} >= $1::date)
     AND ($2::date IS NULL OR ${column} < $2::date + 1)
     AND ($3::integer IS NULL OR magasin_id = $3::integer)`;

/** The meaning of each column, written once so that one name keeps one meaning. */
const COLUMN = {
  jour: 'Calendar day of the purchase (store-local), YYYY-MM-DD.',
  magasin_id: 'Store identifier.',
  magasin: 'Store name.',
  transactions: 'Number of transactions (receipts).',
  chiffre_affaires:
    "Revenue (chiffre d'affaires): what customers paid, the sum of the receipts' montant_total.",
  panier_moyen: 'Average basket: chiffre_affaires / transactions.',
  ventes_lignes:
    "Line sales: the sum of the receipt lines' quantite * prix_unitaire. Differs from chiffre_affaires when receipts and their lines disagree (see data-quality).",
  categorie: "Product category ('Sans catégorie' when the product has none).",
  quantite: 'Units sold (sum of the lines’ quantite).',
  produit_id: 'Product identifier.',
  produit: 'Product name.',
} as const;

export const KPI_DEFINITIONS: Record<KpiName, KpiDefinition> = {
  revenue: {
    description:
      "Revenue (chiffre d'affaires, what customers paid: sum of montant_total) by day and store.",
    columns: {
      jour: COLUMN.jour,
      magasin_id: COLUMN.magasin_id,
      magasin: COLUMN.magasin,
      transactions: COLUMN.transactions,
      chiffre_affaires: COLUMN.chiffre_affaires,
    },
    defaultLimit: 1000,
    sql: `SELECT jour::text AS jour, magasin_id, magasin, transactions::int AS transactions,
                 chiffre_affaires::float8 AS chiffre_affaires
            FROM kpi_revenue_daily ${DAY_FILTER('jour')}
           ORDER BY jour, magasin_id LIMIT $4`,
  },
  basket: {
    description: 'Number of transactions, revenue and average basket by day and store.',
    columns: {
      jour: COLUMN.jour,
      magasin_id: COLUMN.magasin_id,
      magasin: COLUMN.magasin,
      transactions: COLUMN.transactions,
      chiffre_affaires: COLUMN.chiffre_affaires,
      panier_moyen: COLUMN.panier_moyen,
    },
    defaultLimit: 1000,
    sql: `SELECT jour::text AS jour, magasin_id, magasin, transactions::int AS transactions,
                 chiffre_affaires::float8 AS chiffre_affaires, panier_moyen::float8 AS panier_moyen
            FROM kpi_basket_daily ${DAY_FILTER('jour')}
           ORDER BY jour, magasin_id LIMIT $4`,
  },
  'line-sales': {
    description:
      'Line sales (ventes_lignes: sum of quantite * prix_unitaire of the receipt lines) by day, store and product category.',
    columns: {
      jour: COLUMN.jour,
      magasin_id: COLUMN.magasin_id,
      magasin: COLUMN.magasin,
      categorie: COLUMN.categorie,
      ventes_lignes: COLUMN.ventes_lignes,
      quantite: COLUMN.quantite,
      transactions: 'Number of transactions with at least one line in this category.',
    },
    defaultLimit: 1000,
    sql: `SELECT jour::text AS jour, magasin_id, magasin, categorie,
                 ventes_lignes::float8 AS ventes_lignes, quantite::int AS quantite,
                 transactions::int AS transactions
            FROM kpi_line_sales_daily ${DAY_FILTER('jour')}
           ORDER BY jour, magasin_id, categorie LIMIT $4`,
  },
  'top-products': {
    description: 'Best-selling products over the range, by line sales.',
    columns: {
      produit_id: COLUMN.produit_id,
      produit: COLUMN.produit,
      categorie: 'Product category (null when the product has none).',
      quantite: COLUMN.quantite,
      ventes_lignes: COLUMN.ventes_lignes,
    },
    defaultLimit: 10,
    sql: `SELECT produit_id, produit, categorie, sum(quantite)::int AS quantite,
                 sum(ventes_lignes)::float8 AS ventes_lignes
            FROM kpi_product_sales_daily ${DAY_FILTER('jour')}
           GROUP BY produit_id, produit, categorie
           ORDER BY sum(ventes_lignes) DESC, produit_id LIMIT $4`,
  },
  footfall: {
    description: 'Footfall (visitors counted by the cameras) by store and hour.',
    columns: {
      heure: 'Hour (store-local), YYYY-MM-DDTHH:00:00.',
      magasin_id: COLUMN.magasin_id,
      magasin: COLUMN.magasin,
      visiteurs: 'Visitors counted by the smart cameras in that hour.',
    },
    defaultLimit: 1000,
    sql: `SELECT to_char(heure, 'YYYY-MM-DD"T"HH24:MI:SS') AS heure, magasin_id, magasin,
                 visiteurs::int AS visiteurs
            FROM kpi_footfall_hourly ${DAY_FILTER('heure')}
           ORDER BY heure, magasin_id LIMIT $4`,
  },
  conversion: {
    description:
      'Conversion rate = transactions / visitors, by store and day (null without visitors).',
    columns: {
      jour: COLUMN.jour,
      magasin_id: COLUMN.magasin_id,
      magasin: COLUMN.magasin,
      transactions: COLUMN.transactions,
      visiteurs: 'Visitors counted by the cameras that day (null when none was counted).',
      taux_conversion: 'transactions / visiteurs, 4 decimals (null without visitors).',
    },
    defaultLimit: 1000,
    sql: `SELECT jour::text AS jour, magasin_id, magasin, transactions::int AS transactions,
                 visiteurs::int AS visiteurs, taux_conversion::float8 AS taux_conversion
            FROM kpi_conversion_daily ${DAY_FILTER('jour')}
           ORDER BY jour, magasin_id LIMIT $4`,
  },
  'stock-alerts': {
    description:
      'Products whose latest sensor reading in a store is below the alert threshold (from/to filter the reading date).',
    columns: {
      magasin_id: COLUMN.magasin_id,
      magasin: COLUMN.magasin,
      produit_id: COLUMN.produit_id,
      produit: COLUMN.produit,
      niveau_stock: 'Units in stock at the latest reading.',
      seuil_alerte: 'The alert threshold (units).',
      date_maj: 'Time of the latest reading.',
    },
    defaultLimit: 1000,
    sql: `SELECT magasin_id, magasin, produit_id, produit, niveau_stock, seuil_alerte,
                 to_char(date_maj, 'YYYY-MM-DD"T"HH24:MI:SS') AS date_maj
            FROM kpi_stock_alerts ${DAY_FILTER('date_maj')}
           ORDER BY niveau_stock, magasin_id, produit_id LIMIT $4`,
  },
  'data-quality': {
    description:
      'Whether receipts and their lines agree, over the range and store: one row of totals. chiffre_affaires - ventes_lignes is explained by these gaps.',
    columns: {
      transactions: COLUMN.transactions,
      transactions_ecart:
        'Transactions with lines whose sum (quantite * prix_unitaire) differs from montant_total.',
      ecart_montant: 'Sum of |montant_total - sum of the lines| over those transactions.',
      transactions_sans_lignes: 'Transactions without any line.',
      montant_sans_lignes: 'Sum of montant_total of the transactions without lines.',
      lignes_transaction_inconnue:
        'Lines rejected by the latest successful import of details_transactions because their transaction_id is unknown (the database refuses such lines, so they are counted from the import rejections). Not filtered by date or store: a line of an unknown transaction has neither.',
    },
    defaultLimit: 1,
    sql: `SELECT coalesce(sum(transactions), 0)::int AS transactions,
                 coalesce(sum(transactions_ecart), 0)::int AS transactions_ecart,
                 coalesce(sum(ecart_montant), 0)::float8 AS ecart_montant,
                 coalesce(sum(transactions_sans_lignes), 0)::int AS transactions_sans_lignes,
                 coalesce(sum(montant_sans_lignes), 0)::float8 AS montant_sans_lignes,
                 (SELECT lignes_transaction_inconnue FROM kpi_orphan_lines)::int
                   AS lignes_transaction_inconnue
            FROM kpi_data_quality_daily ${DAY_FILTER('jour')}
           LIMIT $4`,
  },
};

/** GET /kpis: every KPI with its meaning and the meaning of each column. */
export function kpiCatalog() {
  return KPI_NAMES.map((name) => ({
    name,
    description: KPI_DEFINITIONS[name].description,
    columns: Object.entries(KPI_DEFINITIONS[name].columns).map(([column, description]) => ({
      name: column,
      description,
    })),
  }));
}
