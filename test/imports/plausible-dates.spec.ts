/**
 * Plausible dates, declared once in the catalog (plausibleDateRule): a birth date in the future
 * and a purchase before 1900 or more than a day ahead are refused by the importer, row by row
 * with their reason, and by the database for any other writer (the clients trigger; for
 * transactions a CHECK for the fixed bound and a trigger for the bound of "today").
 */
import { Readable } from 'node:stream';
import { datasetCatalog } from '../../src/catalog/dataset-catalog';
import type { DatasetName } from '../../src/catalog/dataset.types';
import { aClient, clientsCsv } from '../support/client-factory';
import { ImportHarness } from '../support/import-harness';
import { insertClients } from '../support/retail-fixture';
import { inTransaction } from '../support/test-database';

/** YYYY-MM-DD, `days` from today (UTC), the way the rule counts. */
const day = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

describe('plausible dates', () => {
  let h: ImportHarness;
  const importText = (dataset: DatasetName, text: string) =>
    h.imports.importContent({
      dataset: datasetCatalog.get(dataset),
      source: 'cli',
      mode: 'default',
      fileName: `${dataset}.csv`,
      content: Readable.from([Buffer.from(text)]),
    });
  const asWriter = async (work: (q: (sql: string) => Promise<unknown>) => Promise<unknown>) => {
    const client = await h.db.connect('owner');
    try {
      return await inTransaction(client, { role: 'writer' }, () =>
        work((sql) => client.query(sql)),
      );
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    h = await ImportHarness.start();
    await h.db.asOwner(async (c) => {
      await insertClients(c, [aClient({ client_id: 1 })]);
      await c.query(`INSERT INTO magasins (magasin_id, nom) VALUES (1, 'Lyon')`);
    });
  });
  afterAll(() => h.stop());

  it('refuses a birth date in the future on import, with its reason, and keeps today', async () => {
    const { report } = await importText(
      'clients',
      clientsCsv([
        aClient({ client_id: 2, date_naissance: '2999-01-01' }),
        aClient({ client_id: 3, date_naissance: day(1) }),
        aClient({ client_id: 4, date_naissance: day(0) }),
      ]),
    );
    expect(report.counts).toMatchObject({ rowsRead: 3, inserted: 1, rejected: 2 });
    expect(report.rejections.map((r) => [r.line, r.column, r.reason])).toEqual([
      [2, 'date_naissance', 'implausible date: must not be in the future'],
      [3, 'date_naissance', 'implausible date: must not be in the future'],
    ]);
  });

  it('refuses a purchase dated before 1900 or more than a day ahead on import, and keeps tomorrow', async () => {
    const header = 'transaction_id,client_id,magasin_id,date_achat,montant_total\n';
    const rows = ['9999-12-31', '0001-01-01', '1899-12-31', day(2), day(1), '1900-01-01'].map(
      (date, i) => `${i + 1},1,1,${date},10.00\n`,
    );
    const { report } = await importText('transactions', header + rows.join(''));
    expect(report.counts).toMatchObject({ rowsRead: 6, inserted: 2, rejected: 4 });
    const reason = 'implausible date: must not be before 1900-01-01 or more than 1 day(s) ahead';
    expect(report.rejections.map((r) => [r.line, r.column, r.reason])).toEqual(
      [2, 3, 4, 5].map((line) => [line, 'date_achat', reason]),
    );
  });

  it('has the database refuse a future birth date written without the importer', async () => {
    await expect(
      h.db.asOwner((c) =>
        insertClients(c, [aClient({ client_id: 9, date_naissance: '2999-01-01' })]),
      ),
    ).rejects.toThrow('clients.date_naissance must not be in the future');
  });

  it.each([
    ['9999-12-31', 'transactions.date_achat must not be more than 1 day(s) ahead'],
    ['0001-01-01', 'transactions_date_achat_not_before_1900'],
  ])(
    'has the database refuse a purchase dated %s written without the importer',
    async (date, why) => {
      await expect(
        asWriter((q) =>
          q(`INSERT INTO transactions (transaction_id, client_id, magasin_id, date_achat, montant_total)
           VALUES (99, 1, 1, DATE '${date}', 1)`),
        ),
      ).rejects.toThrow(why);
    },
  );

  it('lets the database store a purchase dated tomorrow', async () => {
    await asWriter((q) =>
      q(`INSERT INTO transactions (transaction_id, client_id, magasin_id, date_achat, montant_total)
         VALUES (98, 1, 1, DATE '${day(1)}', 1)`),
    );
  });
});
