/**
 * Generates the eight retail CSV files, consistent across foreign keys and deterministic for a
 * given seed. Rows are produced lazily so millions of lines stream to disk in constant memory.
 */
import { datasetCatalog } from '../catalog/dataset-catalog';
import { DatasetName } from '../catalog/dataset.types';
import { SeededRandom } from './seeded-random';

export interface SampleSizes {
  clients: number;
  magasins: number;
  produits: number;
  cartes_fidelite: number;
  transactions: number;
  details_transactions: number;
  cameras: number;
  capteurs_iot: number;
}

export const DEFAULT_SAMPLE_SIZES: SampleSizes = {
  clients: 200,
  magasins: 10,
  produits: 50,
  cartes_fidelite: 150,
  transactions: 400,
  details_transactions: 1000,
  cameras: 240,
  capteurs_iot: 120,
};

const NOMS = [
  'Martin',
  'Bernard',
  'Dubois',
  'Thomas',
  'Robert',
  'Richard',
  'Petit',
  'Durand',
  'Leroy',
  'Moreau',
  'Simon',
  'Laurent',
  'Lefèvre',
  'Michel',
  'García',
  'Fournier',
  'Girard',
  'Bonnet',
  "D'Almeida",
  'Müller',
];
const PRENOMS = [
  'Léa',
  'Chloé',
  'Manon',
  'Camille',
  'Inès',
  'Zoé',
  'Hugo',
  'Lucas',
  'Théo',
  'Nathan',
  'Louis',
  'Jules',
  'Anaïs',
  'Éloïse',
  'Noé',
  'Gaëlle',
  'François',
  'Jérôme',
  'Céline',
  'Loïc',
];
const VILLES = [
  'Paris',
  'Lyon',
  'Marseille',
  'Toulouse',
  'Nice',
  'Nantes',
  'Strasbourg',
  'Montpellier',
  'Bordeaux',
  'Lille',
  'Rennes',
  'Besançon',
  'Saint-Étienne',
  'Orléans',
  'Nîmes',
];
const REGIONS = [
  'Île-de-France',
  'Auvergne-Rhône-Alpes',
  "Provence-Alpes-Côte d'Azur",
  'Occitanie',
  'Nouvelle-Aquitaine',
  'Hauts-de-France',
  'Grand Est',
  'Bretagne',
];
const CATEGORIES = [
  'Épicerie',
  'Boissons',
  'Fruits et légumes',
  'Crèmerie',
  'Boulangerie',
  'Hygiène',
  'Maison',
  'Électronique',
];
const PAIEMENTS = ['CB', 'Espèces', 'Chèque', 'Crypto', 'Autre'];
const SEXES = ['H', 'F', 'Autre'];

const pad = (n: number) => String(n).padStart(2, '0');
const isoDate = (d: Date) =>
  `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
const isoTimestamp = (d: Date) =>
  `${isoDate(d)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
const DAY = 86_400_000;
const dayIn = (rng: SeededRandom, from: string, days: number) =>
  new Date(Date.parse(from) + rng.int(0, days) * DAY);
const money = (value: number) => value.toFixed(2);

/** RFC 4180 quoting, only where needed. */
export const csvField = (value: string | number): string => {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export const headerLine = (dataset: DatasetName): string =>
  datasetCatalog
    .get(dataset)
    .columns.map((c) => c.name)
    .join(',');

type Row = (string | number)[];

export function* sampleRows(
  dataset: DatasetName,
  sizes: SampleSizes,
  seed: number,
): Generator<Row> {
  // One stream of randomness per dataset: changing one dataset's size leaves the others alone.
  const rng = new SeededRandom(
    seed * 31 + datasetCatalog.all().findIndex((d) => d.name === dataset),
  );
  const { clients, magasins, produits, transactions } = sizes;
  switch (dataset) {
    case 'clients':
      for (let id = 1; id <= sizes.clients; id++) {
        const nom = rng.pick(NOMS);
        const prenom = rng.pick(PRENOMS);
        const local = `${prenom}.${nom}`
          .normalize('NFD')
          .replace(/[\u0300-\u036f'’]/g, '')
          .toLowerCase();
        yield [
          id,
          nom,
          prenom,
          `${local}.${id}@exemple.fr`,
          isoDate(dayIn(rng, '1950-01-01', 20000)),
          rng.pick(SEXES),
          rng.pick(VILLES),
          isoDate(dayIn(rng, '2021-01-01', 1400)),
        ];
      }
      return;
    case 'magasins':
      for (let id = 1; id <= magasins; id++) {
        const ville = VILLES[(id - 1) % VILLES.length];
        yield [
          id,
          `SmartRetail ${ville} ${id}`,
          `${rng.int(1, 200)}, rue de la République`,
          ville,
          String(rng.int(1000, 95999)).padStart(5, '0'),
          rng.pick(REGIONS),
        ];
      }
      return;
    case 'produits':
      for (let id = 1; id <= produits; id++) {
        yield [
          id,
          `Produit ${id}`,
          rng.pick(CATEGORIES),
          money(rng.int(50, 50000) / 100),
          rng.int(0, 1000),
        ];
      }
      return;
    case 'cartes_fidelite':
      for (let id = 1; id <= sizes.cartes_fidelite; id++) {
        yield [
          id,
          ((id - 1) % clients) + 1,
          isoDate(dayIn(rng, '2021-01-01', 1400)),
          rng.int(0, 5000),
        ];
      }
      return;
    case 'transactions':
      for (let id = 1; id <= transactions; id++) {
        yield [
          id,
          rng.int(1, clients),
          rng.int(1, magasins),
          isoDate(dayIn(rng, '2025-01-01', 330)),
          money(rng.int(100, 60000) / 100),
          rng.pick(PAIEMENTS),
        ];
      }
      return;
    case 'details_transactions':
      for (let id = 1; id <= sizes.details_transactions; id++) {
        yield [
          id,
          ((id - 1) % transactions) + 1,
          rng.int(1, produits),
          rng.int(1, 6),
          money(rng.int(50, 20000) / 100),
        ];
      }
      return;
    case 'cameras':
      for (let id = 1; id <= sizes.cameras; id++) {
        const at = new Date(
          Date.parse('2025-01-01T08:00:00Z') + rng.int(0, 330) * DAY + rng.int(0, 12) * 3_600_000,
        );
        yield [id, ((id - 1) % magasins) + 1, isoTimestamp(at), rng.int(5, 400)];
      }
      return;
    case 'capteurs_iot':
      for (let id = 1; id <= sizes.capteurs_iot; id++) {
        const at = new Date(Date.parse('2025-01-01T00:00:00Z') + rng.int(0, 330 * 24) * 3_600_000);
        yield [
          id,
          rng.int(1, produits),
          ((id - 1) % magasins) + 1,
          rng.int(0, 500),
          isoTimestamp(at),
        ];
      }
      return;
  }
}
