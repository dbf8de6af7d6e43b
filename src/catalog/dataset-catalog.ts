/**
 * The dataset catalog: the single source of truth for SmartRetail's data model.
 * Migrations are the reviewed, frozen SQL form of this file; `test/catalog/catalog-schema.spec.ts`
 * fails if the two drift apart.
 */
import {
  ColumnSpec,
  DATASET_NAMES,
  DatasetName,
  DatasetSpec,
  countableViewName,
  decryptedViewName,
  pseudonymisedViewName,
} from './dataset.types';

const id = (name: string, description: string): ColumnSpec => ({
  name,
  type: 'integer',
  required: true,
  min: 1,
  description,
});

const ref = (name: string, dataset: DatasetName, description: string): ColumnSpec => ({
  ...id(name, description),
  references: { dataset, column: name },
});

const DATASETS: readonly DatasetSpec[] = [
  {
    name: 'clients',
    table: 'clients',
    title: 'Clients',
    primaryKey: 'client_id',
    dateColumn: 'date_inscription',
    fileAliases: ['clients'],
    columns: [
      id('client_id', 'Client identifier'),
      {
        name: 'nom',
        type: 'text',
        required: true,
        personal: true,
        analyst: 'hidden',
        description: 'Last name',
      },
      {
        name: 'prenom',
        type: 'text',
        required: true,
        personal: true,
        analyst: 'hidden',
        description: 'First name',
      },
      {
        name: 'email',
        type: 'text',
        required: true,
        personal: true,
        analyst: 'hidden',
        blindIndex: true,
        shape: 'email',
        description:
          'E-mail address (searchable through a blind index, never decrypted for lookup)',
      },
      {
        name: 'date_naissance',
        type: 'date',
        required: false,
        personal: true,
        analyst: 'birth-year',
        // Not in the future; no lower bound (a century-old client is rare, not impossible).
        plausible: { daysAhead: 0 },
        description: 'Date of birth (analysts see the year only)',
      },
      {
        name: 'sexe',
        type: 'text',
        required: false,
        personal: true,
        analyst: 'clear',
        allowed: ['H', 'F', 'Autre'],
        description: 'Sex as declared: H, F or Autre',
      },
      {
        name: 'ville',
        type: 'text',
        required: false,
        personal: true,
        analyst: 'clear',
        description: 'City of residence',
      },
      { name: 'date_inscription', type: 'date', required: false, description: 'Sign-up date' },
    ],
  },
  {
    name: 'magasins',
    table: 'magasins',
    title: 'Stores',
    primaryKey: 'magasin_id',
    fileAliases: ['magasins', 'stores'],
    columns: [
      id('magasin_id', 'Store identifier'),
      { name: 'nom', type: 'text', required: true, description: 'Store name' },
      {
        name: 'adresse',
        type: 'text',
        required: false,
        description: 'Street address of the store',
      },
      { name: 'ville', type: 'text', required: false, description: 'City' },
      {
        name: 'code_postal',
        type: 'text',
        required: false,
        description: 'Postal code (text: leading zeros matter)',
      },
      { name: 'region', type: 'text', required: false, description: 'Region' },
    ],
  },
  {
    name: 'produits',
    table: 'produits',
    title: 'Products',
    primaryKey: 'produit_id',
    fileAliases: ['produits', 'products'],
    columns: [
      id('produit_id', 'Product identifier'),
      { name: 'nom', type: 'text', required: true, description: 'Product name' },
      { name: 'categorie', type: 'text', required: false, description: 'Category' },
      { name: 'prix', type: 'money', required: true, min: 0, description: 'List price (EUR)' },
      { name: 'stock', type: 'integer', required: false, min: 0, description: 'Units in stock' },
    ],
  },
  {
    name: 'cartes_fidelite',
    table: 'cartes_fidelite',
    title: 'Loyalty cards',
    primaryKey: 'carte_id',
    dateColumn: 'date_creation',
    fileAliases: ['cartes_fidelite', 'cartes_de_fidelite', 'cartes_de_fid_lit_', 'loyalty_cards'],
    columns: [
      id('carte_id', 'Loyalty card identifier'),
      ref('client_id', 'clients', 'Card holder'),
      { name: 'date_creation', type: 'date', required: false, description: 'Card creation date' },
      {
        name: 'points',
        type: 'integer',
        required: false,
        min: 0,
        description: 'Loyalty points balance',
      },
    ],
  },
  {
    name: 'transactions',
    table: 'transactions',
    title: 'Transactions',
    primaryKey: 'transaction_id',
    dateColumn: 'date_achat',
    fileAliases: ['transactions'],
    columns: [
      id('transaction_id', 'Transaction identifier'),
      ref('client_id', 'clients', 'Buying client'),
      ref('magasin_id', 'magasins', 'Store of purchase'),
      {
        name: 'date_achat',
        type: 'date',
        required: true,
        // 9999-12-31 would keep its client out of inactivity erasure for ever; one day ahead
        // leaves room for time zones and tills whose clock is a little fast.
        plausible: { notBefore: '1900-01-01', daysAhead: 1 },
        description: 'Purchase date',
      },
      {
        name: 'montant_total',
        type: 'money',
        required: true,
        min: 0,
        description: 'Basket total (EUR)',
      },
      { name: 'mode_paiement', type: 'text', required: false, description: 'Payment method' },
    ],
  },
  {
    name: 'details_transactions',
    table: 'details_transactions',
    title: 'Transaction lines',
    primaryKey: 'detail_id',
    fileAliases: [
      'details_transactions',
      'details_des_transactions',
      'd_tails_des_transactions',
      'transaction_lines',
    ],
    columns: [
      id('detail_id', 'Transaction line identifier'),
      ref('transaction_id', 'transactions', 'Parent transaction'),
      ref('produit_id', 'produits', 'Product sold'),
      { name: 'quantite', type: 'integer', required: true, min: 1, description: 'Quantity sold' },
      {
        name: 'prix_unitaire',
        type: 'money',
        required: true,
        min: 0,
        description: 'Unit price (EUR)',
      },
    ],
  },
  {
    name: 'cameras',
    table: 'cameras',
    title: 'Smart-camera footfall counts',
    primaryKey: 'camera_id',
    dateColumn: 'date_heure',
    fileAliases: ['cameras', 'cameras_intelligentes', 'cam_ras_intelligentes'],
    columns: [
      id('camera_id', 'Count identifier'),
      ref('magasin_id', 'magasins', 'Store counted'),
      { name: 'date_heure', type: 'timestamp', required: true, description: 'Time of the count' },
      {
        name: 'nombre_clients',
        type: 'integer',
        required: true,
        min: 0,
        description: 'Visitors counted',
      },
    ],
  },
  {
    name: 'capteurs_iot',
    table: 'capteurs_iot',
    title: 'IoT stock sensors',
    primaryKey: 'capteur_id',
    dateColumn: 'date_maj',
    fileAliases: ['capteurs_iot', 'iot_sensors'],
    columns: [
      id('capteur_id', 'Sensor reading identifier'),
      ref('produit_id', 'produits', 'Product measured'),
      ref('magasin_id', 'magasins', 'Store measured'),
      {
        name: 'niveau_stock',
        type: 'integer',
        required: true,
        min: 0,
        description: 'Stock level read by the sensor',
      },
      { name: 'date_maj', type: 'timestamp', required: true, description: 'Time of the reading' },
    ],
  },
];

/** PostgreSQL type of each logical type, as stored in clear or as decrypted by the views. */
export const SQL_TYPES: Record<ColumnSpec['type'], string> = {
  integer: 'integer',
  text: 'text',
  date: 'date',
  timestamp: 'timestamp without time zone',
  money: 'numeric(12,2)',
};

/** What fits in `integer`: a value beyond is "out of range", whatever its other bounds. */
export const INTEGER_RANGE = { min: -2_147_483_648, max: 2_147_483_647 } as const;

/** What fits in `numeric(12,2)`: 10 digits before the decimal point, 2 after. */
export const MONEY_DIGITS = { integer: 10, fraction: 2 } as const;

/**
 * The longest value accepted in a text column, in characters. No name, address or e-mail is
 * that long; a longer cell is a broken export (or an attack), and personal ones get encrypted.
 */
export const TEXT_MAX_LENGTH = 1000;

export class DatasetCatalog {
  private readonly byName: Map<DatasetName, DatasetSpec>;

  /** `datasets` is for tests that render the schema of another catalog (a fixture). */
  constructor(datasets: readonly DatasetSpec[] = DATASETS) {
    this.byName = new Map(datasets.map((d) => [d.name, d]));
  }

  /** Datasets in foreign-key order: a dataset comes after every dataset it references. */
  all(): readonly DatasetSpec[] {
    return DATASET_NAMES.map((name) => this.get(name));
  }

  get(name: DatasetName): DatasetSpec {
    const spec = this.byName.get(name);
    if (!spec) throw new Error(`dataset catalog has no entry for ${name}`);
    return spec;
  }

  find(name: string): DatasetSpec | undefined {
    return this.byName.get(name as DatasetName);
  }

  personalColumns(spec: DatasetSpec): ColumnSpec[] {
    return spec.columns.filter((c) => c.personal);
  }

  hasPersonalData(spec: DatasetSpec): boolean {
    return spec.columns.some((c) => c.personal);
  }

  /** The view `admin` reads: every column in clear with its real type. */
  decryptedView(spec: DatasetSpec): string {
    return decryptedViewName(spec.table);
  }

  /** The view `analyst` reads: the pseudonymised view for personal datasets, else the plain one. */
  analystView(spec: DatasetSpec): string {
    return this.hasPersonalData(spec)
      ? pseudonymisedViewName(spec.table)
      : decryptedViewName(spec.table);
  }

  /**
   * What an exact count of a personal dataset reads: the rows its views show (no tombstone),
   * with their clear columns only, so counting opens no value and unwraps no data key (the
   * views unwrap one per row, even for count(*)). Undefined for a dataset without personal
   * data, whose own view already opens nothing.
   */
  countableView(spec: DatasetSpec): string | undefined {
    return this.hasPersonalData(spec) ? countableViewName(spec.table) : undefined;
  }
}

/** A shared instance for code that runs outside Nest's container (CLI, migrations' tests). */
export const datasetCatalog = new DatasetCatalog();
