import { datasetForFile } from './dataset-file-matcher';

describe('matching import files to datasets', () => {
  it.each([
    ['Clients.csv', 'clients'],
    ['Cartes_de_Fid_lit_.csv', 'cartes_fidelite'],
    ['cartes_fidelite.csv', 'cartes_fidelite'],
    ['Cartes de Fidélité.CSV', 'cartes_fidelite'],
    ['Magasins.csv', 'magasins'],
    ['Produits.csv', 'produits'],
    ['Transactions.csv', 'transactions'],
    ['D_tails_des_Transactions.csv', 'details_transactions'],
    ['Détails des transactions.csv', 'details_transactions'],
    ['Cam_ras_Intelligentes.csv', 'cameras'],
    ['Capteurs_IoT.csv', 'capteurs_iot'],
  ])('reads %s as %s', (file, dataset) => {
    expect(datasetForFile(file)?.name).toBe(dataset);
  });

  it('ignores files that are not CSV or name no dataset', () => {
    expect(datasetForFile('clients.txt')).toBeUndefined();
    expect(datasetForFile('notes.csv')).toBeUndefined();
  });
});
