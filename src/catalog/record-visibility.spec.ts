import { datasetCatalog } from './dataset-catalog';
import { RECORD_READERS, recordVisibility } from './record-visibility';

describe('record visibility per role', () => {
  const clients = datasetCatalog.get('clients');

  it('lets admin and analyst read records, not writer', () => {
    expect(RECORD_READERS).toEqual(['admin', 'analyst']);
    expect(recordVisibility.viewFor(clients, 'writer')).toBeUndefined();
  });

  it('sends admin to the decrypted view and analyst to the pseudonymised one', () => {
    expect(recordVisibility.viewFor(clients, 'admin')).toBe('v_clients_decrypted');
    expect(recordVisibility.viewFor(clients, 'analyst')).toBe('v_clients_pseudonymised');
    const magasins = datasetCatalog.get('magasins');
    expect(recordVisibility.viewFor(magasins, 'analyst')).toBe('v_magasins_decrypted');
  });

  it('audits admin reads of personal datasets only', () => {
    expect(recordVisibility.exposesClearPersonalData(clients, 'admin')).toBe(true);
    expect(recordVisibility.exposesClearPersonalData(clients, 'analyst')).toBe(false);
    expect(
      recordVisibility.exposesClearPersonalData(datasetCatalog.get('transactions'), 'admin'),
    ).toBe(false);
  });

  it('allows the e-mail lookup only to a role that sees e-mails in clear', () => {
    const [email] = recordVisibility.lookupColumns(clients);
    expect(recordVisibility.mayLookUp(clients, 'admin', email)).toBe(true);
    expect(recordVisibility.mayLookUp(clients, 'analyst', email)).toBe(false);
  });
});
