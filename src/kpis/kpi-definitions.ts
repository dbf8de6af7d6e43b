/**
 * The KPIs served by GET /kpis/{name}: each reads one aggregate view (see the CreateKpiViews
 * migration). Column lists are fixed SQL fragments chosen here, never built from input.
 */
export const KPI_NAMES = [
  'revenue',
  'basket',
  'footfall',
  'conversion',
  'top-products',
  'stock-alerts',
] as const;
export type KpiName = (typeof KPI_NAMES)[number];

export const isKpiName = (name: string): name is KpiName =>
  (KPI_NAMES as readonly string[]).includes(name);

export interface KpiDefinition {
  description: string;
  /** SELECT ... FROM ... with $1 = from (date), $2 = to (date), $3 = magasin_id, $4 = limit. */
  sql: string;
  defaultLimit: number;
}

const DAY_FILTER = (column: string) => `
   WHERE ($1::date IS NULL OR ${column} >= $1::date)
     AND ($2::date IS NULL OR ${column} < $2::date + 1)
     AND ($3::integer IS NULL OR magasin_id = $3::integer)`;

export const KPI_DEFINITIONS: Record<KpiName, KpiDefinition> = {
  revenue: {
    description: "Revenue (chiffre d'affaires) by day, store and product category.",
    defaultLimit: 1000,
    sql: `SELECT jour::text AS jour, magasin_id, magasin, categorie,
                 chiffre_affaires::float8 AS chiffre_affaires, quantite::int AS quantite,
                 transactions::int AS transactions
            FROM kpi_revenue_daily ${DAY_FILTER('jour')}
           ORDER BY jour, magasin_id, categorie LIMIT $4`,
  },
  basket: {
    description: 'Number of transactions and average basket by day and store.',
    defaultLimit: 1000,
    sql: `SELECT jour::text AS jour, magasin_id, magasin, transactions::int AS transactions,
                 chiffre_affaires::float8 AS chiffre_affaires, panier_moyen::float8 AS panier_moyen
            FROM kpi_basket_daily ${DAY_FILTER('jour')}
           ORDER BY jour, magasin_id LIMIT $4`,
  },
  footfall: {
    description: 'Footfall (visitors counted by the cameras) by store and hour.',
    defaultLimit: 1000,
    sql: `SELECT to_char(heure, 'YYYY-MM-DD"T"HH24:MI:SS') AS heure, magasin_id, magasin,
                 visiteurs::int AS visiteurs
            FROM kpi_footfall_hourly ${DAY_FILTER('heure')}
           ORDER BY heure, magasin_id LIMIT $4`,
  },
  conversion: {
    description:
      'Conversion rate = transactions / visitors, by store and day (null without visitors).',
    defaultLimit: 1000,
    sql: `SELECT jour::text AS jour, magasin_id, magasin, transactions::int AS transactions,
                 visiteurs::int AS visiteurs, taux_conversion::float8 AS taux_conversion
            FROM kpi_conversion_daily ${DAY_FILTER('jour')}
           ORDER BY jour, magasin_id LIMIT $4`,
  },
  'top-products': {
    description: 'Best-selling products over the range, by revenue.',
    defaultLimit: 10,
    sql: `SELECT produit_id, produit, categorie, sum(quantite)::int AS quantite,
                 sum(chiffre_affaires)::float8 AS chiffre_affaires
            FROM kpi_product_sales_daily ${DAY_FILTER('jour')}
           GROUP BY produit_id, produit, categorie
           ORDER BY sum(chiffre_affaires) DESC, produit_id LIMIT $4`,
  },
  'stock-alerts': {
    description:
      'Products whose latest sensor reading in a store is below the alert threshold (from/to filter the reading date).',
    defaultLimit: 1000,
    sql: `SELECT magasin_id, magasin, produit_id, produit, niveau_stock, seuil_alerte,
                 to_char(date_maj, 'YYYY-MM-DD"T"HH24:MI:SS') AS date_maj
            FROM kpi_stock_alerts ${DAY_FILTER('date_maj')}
           ORDER BY niveau_stock, magasin_id, produit_id LIMIT $4`,
  },
};
