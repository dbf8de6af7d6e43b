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

  it.each([
    '.clients.csv',
    '.Clients.csv.swp',
    'clients.csv.part',
    'clients.csv.tmp',
    'clients.CSV.PART',
  ])('ignores %s: a file not yet renamed into place', (file) => {
    expect(datasetForFile(file)).toBeUndefined();
  });

  it.each(['clients\n.csv', 'clients\r.csv', 'Clients\u001b[31m.csv', 'clients\u0085.csv'])(
    'refuses %j: a name holding a control character',
    (file) => {
      expect(datasetForFile(file)).toBeUndefined();
    },
  );
});
