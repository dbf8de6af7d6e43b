import { datasetCatalog } from '../../../catalog/dataset-catalog';
import { mapHeader, unknownColumnsWarning } from './header-mapping';

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

  it('caps the warning about unknown columns', () => {
    const unknown = Array.from({ length: 25 }, (_, i) => `c${i}`);
    expect(unknownColumnsWarning(unknown)).toEqual([
      `unknown column(s) ignored: ${unknown.slice(0, 20).join(', ')} and 5 more`,
    ]);
  });
});
