import { DatabaseError } from 'pg';
import { datasetCatalog } from '../../catalog/dataset-catalog';
import { databaseRefusal } from './database-refusal';

const pgError = (message: string, fields: Partial<DatabaseError>) =>
  Object.assign(new DatabaseError(message, 0, 'error'), fields);

describe('the message of a file the database refused', () => {
  const clients = datasetCatalog.get('clients');

  it("never repeats PostgreSQL's message for a dataset with personal data: it may quote the value", () => {
    const error = pgError('invalid input syntax for type date: "zq@example.com"', {
      code: '22007',
      column: 'date_inscription',
    });
    expect(databaseRefusal(clients, error)).toBe(
      'the database refused the file (SQLSTATE 22007, column date_inscription; its message is not repeated, it may quote a value)',
    );
  });

  it('names only identifiers PostgreSQL reports', () => {
    const error = pgError('duplicate key value violates unique constraint "x"', {
      code: '23505',
      table: 'clients',
      constraint: 'clients_email_bidx_key',
      column: 'Zq "quoted"',
    });
    expect(databaseRefusal(clients, error)).toBe(
      'the database refused the file (SQLSTATE 23505, table clients, constraint clients_email_bidx_key; its message is not repeated, it may quote a value)',
    );
  });

  it("keeps the protection trigger's own messages, written from catalog literals", () => {
    const error = pgError('clients.email must be an e-mail address', { code: '23514' });
    expect(databaseRefusal(clients, error)).toBe(
      'the database refused the file: clients.email must be an e-mail address',
    );
  });

  it('keeps the message for a dataset without personal data', () => {
    const error = pgError('invalid input syntax for type integer: "abc"', { code: '22P02' });
    expect(databaseRefusal(datasetCatalog.get('produits'), error)).toBe(
      'the database refused the file: invalid input syntax for type integer: "abc"',
    );
  });
});
