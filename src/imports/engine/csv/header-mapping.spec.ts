import { datasetCatalog } from '../../../catalog/dataset-catalog';
import { ignoredColumnName, mapHeader, unknownColumnsWarning } from './header-mapping';

const refusal = (dataset: 'clients' | 'produits', header: string[]) => {
  try {
    mapHeader(datasetCatalog.get(dataset), header);
    return 'mapped';
  } catch (error) {
    return (error as Error).message;
  }
};

describe('mapping a header to catalog columns', () => {
  it('names only the recognised columns of a personal dataset when some are missing', () => {
    expect(refusal('clients', ['client_id', 'nom', 'Zqdata', 'zq1@example.com'])).toBe(
      'clients: missing required column(s): prenom, email; found: client_id, nom, 2 other column(s)',
    );
  });

  it('names every cell for a dataset without personal data, control characters made visible', () => {
    expect(refusal('produits', ['produit_id', 'nom', 'pr\u0000ice'])).toBe(
      'produits: missing required column(s): prix; found: produit_id, nom, pr\u2400ice',
    );
  });

  it('refuses a column named twice, however it is spelt', () => {
    expect(refusal('produits', ['produit_id', 'Nom', 'prix', 'NOM '])).toMatch(
      /^produits: the header names column nom twice \(columns 2 and 4\); ambiguous/,
    );
  });

  it('caps the warning about unknown columns, which names them for a dataset without personal data', () => {
    const header = ['produit_id', 'nom', 'prix', ...Array.from({ length: 25 }, (_, i) => `c${i}`)];
    const { unknown } = mapHeader(datasetCatalog.get('produits'), header);
    expect(unknownColumnsWarning(datasetCatalog.get('produits'), unknown)).toEqual([
      `unknown column(s) ignored: ${header.slice(3, 23).join(', ')} and 5 more`,
    ]);
  });

  it('places the unknown columns of a personal dataset without repeating them', () => {
    const clients = datasetCatalog.get('clients');
    const header = [...clients.columns.map((c) => c.name), 'Zqnom', ' ', 'zq@example.com'];
    expect(unknownColumnsWarning(clients, mapHeader(clients, header).unknown)).toEqual([
      'unknown column(s) ignored at position(s) 9, 11 (not named: the dataset holds personal data)',
    ]);
  });

  it('names an ignored column of a personal dataset by its position in rejections', () => {
    expect(ignoredColumnName(datasetCatalog.get('clients'), 'zq@example.com', 8)).toBe(
      'ignored column 9',
    );
    expect(ignoredColumnName(datasetCatalog.get('produits'), ' couleur ', 5)).toBe('couleur');
  });
});
