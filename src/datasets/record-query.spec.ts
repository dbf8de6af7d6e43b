import { datasetCatalog } from '../catalog/dataset-catalog';
import { DomainErrorCode } from '../common/domain-error';
import { encodeCursor, encodeOrderedCursor } from '../common/keyset-cursor';
import { acceptedParameters, parseRecordQuery, usableParameters } from './record-query';

const clients = datasetCatalog.get('clients');
const transactions = datasetCatalog.get('transactions');
const cameras = datasetCatalog.get('cameras');
const pkOrder = (column: string) => ({ column, descending: false, nullable: false });

describe('records query string', () => {
  it('derives the accepted parameters from the catalog', () => {
    expect(acceptedParameters(transactions)).toEqual([
      'limit',
      'cursor',
      'order',
      'select',
      'from',
      'to',
      'transaction_id',
      'client_id',
      'magasin_id',
      'date_achat',
      'montant_total',
      'mode_paiement',
    ]);
    expect(acceptedParameters(clients)).toEqual([
      'limit',
      'cursor',
      'order',
      'select',
      'from',
      'to',
      'client_id',
      'date_inscription',
      'email',
    ]);
    expect(acceptedParameters(datasetCatalog.get('magasins'))).not.toContain('from');
    expect(usableParameters(clients, 'analyst')).not.toContain('email');
  });

  it('defaults to the primary-key order, no limit chosen yet (the format decides)', () => {
    expect(parseRecordQuery(clients, 'admin', {})).toEqual({
      order: pkOrder('client_id'),
      filters: [],
    });
  });

  it('parses every kind of parameter into typed values; from/to become gte/lte', () => {
    expect(
      parseRecordQuery(transactions, 'analyst', {
        limit: '1000',
        cursor: encodeCursor('transactions', 41),
        magasin_id: 'in.(1,2,3)',
        client_id: '7',
        montant_total: 'gte.10.50',
        from: '2024-01-01',
        to: '2024-12-31',
        select: 'transaction_id,montant_total',
      }),
    ).toEqual({
      limit: 1000,
      after: { id: 41 },
      order: pkOrder('transaction_id'),
      select: ['transaction_id', 'montant_total'],
      filters: [
        { column: 'date_achat', operator: 'gte', values: ['2024-01-01'] },
        { column: 'date_achat', operator: 'lte', values: ['2024-12-31'] },
        { column: 'client_id', operator: 'eq', values: [7] },
        { column: 'magasin_id', operator: 'in', values: [1, 2, 3] },
        { column: 'montant_total', operator: 'gte', values: ['10.50'] },
      ],
    });
  });

  it('reads an order and a cursor made in that order', () => {
    const order = { label: 'date_inscription.desc' };
    const cursor = encodeOrderedCursor('clients', order, { id: 9, key: 'infinity' });
    expect(
      parseRecordQuery(clients, 'admin', { order: 'date_inscription.desc', cursor }),
    ).toMatchObject({
      order: { column: 'date_inscription', descending: true, nullable: true },
      after: { id: 9, key: 'infinity' },
    });
    expect(() => parseRecordQuery(clients, 'admin', { cursor })).toThrow(
      'cursor comes from a page in another order',
    );
  });

  it('accepts date-times only on timestamp date columns', () => {
    expect(parseRecordQuery(cameras, 'admin', { from: '2024-03-01T10:30' }).filters).toEqual([
      { column: 'date_heure', operator: 'gte', values: ['2024-03-01T10:30'] },
    ]);
    expect(() => parseRecordQuery(transactions, 'admin', { from: '2024-03-01T10:30' })).toThrow(
      'from must be a date (YYYY-MM-DD)',
    );
  });

  it('forbids the e-mail lookup to analyst with a Forbidden error', () => {
    for (const email of ['a@b.fr', 'eq.a@b.fr']) {
      expect(() => parseRecordQuery(clients, 'analyst', { email })).toThrow(
        expect.objectContaining({ code: DomainErrorCode.Forbidden }),
      );
    }
  });

  it('names the offending parameter in the error details', () => {
    expect(() => parseRecordQuery(clients, 'admin', { nom: 'eq.Dupont' })).toThrow(
      expect.objectContaining({ details: { parameter: 'nom' } }),
    );
  });
});
