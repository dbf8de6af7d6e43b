import { datasetCatalog } from '../catalog/dataset-catalog';
import { DomainErrorCode } from '../common/domain-error';
import { encodeCursor } from '../common/keyset-cursor';
import { acceptedParameters, parseRecordQuery } from './record-query';

const clients = datasetCatalog.get('clients');
const transactions = datasetCatalog.get('transactions');
const cameras = datasetCatalog.get('cameras');

describe('records query string', () => {
  it('derives the accepted parameters from the catalog', () => {
    expect(acceptedParameters(transactions)).toEqual([
      'limit',
      'cursor',
      'from',
      'to',
      'transaction_id',
      'client_id',
      'magasin_id',
    ]);
    expect(acceptedParameters(clients)).toContain('email');
    expect(acceptedParameters(datasetCatalog.get('magasins'))).not.toContain('from');
  });

  it('defaults to the first page of 100 rows', () => {
    expect(parseRecordQuery(clients, 'admin', {})).toEqual({ limit: 100, equals: [] });
  });

  it('parses every kind of parameter into typed values', () => {
    expect(
      parseRecordQuery(transactions, 'analyst', {
        limit: '1000',
        cursor: encodeCursor('transactions', 41),
        magasin_id: '3',
        from: '2024-01-01',
        to: '2024-12-31',
      }),
    ).toEqual({
      limit: 1000,
      after: 41,
      equals: [{ column: 'magasin_id', value: 3 }],
      from: '2024-01-01',
      to: '2024-12-31',
    });
  });

  it('accepts date-times only on timestamp date columns', () => {
    expect(parseRecordQuery(cameras, 'admin', { from: '2024-03-01T10:30' }).from).toBe(
      '2024-03-01T10:30',
    );
    expect(() => parseRecordQuery(transactions, 'admin', { from: '2024-03-01T10:30' })).toThrow(
      'from must be a date (YYYY-MM-DD)',
    );
  });

  it('forbids the e-mail lookup to analyst with a Forbidden error', () => {
    try {
      parseRecordQuery(clients, 'analyst', { email: 'a@b.fr' });
      throw new Error('not refused');
    } catch (error) {
      expect(error).toMatchObject({ code: DomainErrorCode.Forbidden });
    }
  });

  it('names the offending parameter in the error details', () => {
    expect(() => parseRecordQuery(clients, 'admin', { nom: 'Dupont' })).toThrow(
      expect.objectContaining({ details: { parameter: 'nom' } }),
    );
  });
});
