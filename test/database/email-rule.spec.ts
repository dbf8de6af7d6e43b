import { Client } from 'pg';
import { datasetCatalog } from '../../src/catalog/dataset-catalog';
import { parseField } from '../../src/imports/engine/csv/field-parsers';
import { aClient, CLIENT_INSERT, clientParams } from '../support/client-factory';
import { inTransaction, TestDatabase } from '../support/test-database';

/** The importer and the trigger apply one e-mail rule (src/catalog/value-rules.ts). */
describe('the e-mail rule, in Node and in the protection trigger', () => {
  const emailColumn = datasetCatalog.get('clients').columns.find((c) => c.name === 'email')!;
  let db: TestDatabase;
  let client: Client;

  beforeAll(async () => {
    db = await TestDatabase.create();
    client = await db.connect('app_user');
  });
  afterAll(async () => {
    await client.end();
    await db.drop();
  });

  const nodeAccepts = (email: string) => parseField(emailColumn, email, { decimalComma: false }).ok;
  const triggerAccepts = (email: string) =>
    inTransaction(
      client,
      { role: 'writer' },
      () => client.query(CLIENT_INSERT, clientParams(aClient({ client_id: 1, email }))),
      { commit: false },
    ).then(
      () => true,
      (error: Error) => {
        expect(error.message).toBe('clients.email must be an e-mail address');
        return false;
      },
    );

  // The trigger's former rule ('^[^@[:space:]]+@[^@[:space:]]+$') accepted the first three.
  const refused = [
    'le\u200Ba@example.com', // zero-width space
    'lea@exa\u202Emple.com', // right-to-left override
    'lea@example.com\u00AD', // soft hyphen
    'l\u00A0a@example.com', // no-break space
    'lea@\u3000example.com', // ideographic space
    'pas-une-adresse',
    'a@b@example.com',
    'lea @example.com',
  ];
  const accepted = ['lea@example.com', 'josé.müller@exemple.fr', 'a.b+tag@sub.example.co', 'x@y'];

  it.each(refused)('both refuse %j', async (email) => {
    expect({ node: nodeAccepts(email), trigger: await triggerAccepts(email) }).toEqual({
      node: false,
      trigger: false,
    });
  });

  it.each(accepted)('both accept %j', async (email) => {
    expect({ node: nodeAccepts(email), trigger: await triggerAccepts(email) }).toEqual({
      node: true,
      trigger: true,
    });
  });
});
