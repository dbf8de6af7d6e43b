import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { openBenchTransactions } from '../../bench/bench-transactions';
import { psqlCopy } from '../../bench/psql-copy';
import type { AppConfig } from '../../src/config/app-config';
import { sampleFile } from '../support/sample-files';
import { TestDatabase } from '../support/test-database';

/**
 * The DBA baseline of `npm run bench`: psql \copy straight into the migrated tables, as writer,
 * with the keys. psql comes from Debian's postgresql-client, which `npm test` installs when
 * missing (test/setup/ensure-test-tools.mjs).
 */
describe('the psql \\copy baseline', () => {
  let db: TestDatabase;
  let config: AppConfig;
  beforeAll(async () => {
    db = await TestDatabase.create();
    config = await db.migrate();
  });
  afterAll(() => db.drop());

  it('loads clients through the real trigger: encrypted at rest, blind-indexed, readable decrypted', async () => {
    const file = await sampleFile('clients', { clients: 300 });
    expect(await psqlCopy(config, 'clients', file)).toBe(300);
    const stored = await db.asOwner((c) =>
      c.query<{ n: number; hashed: number; plain: number }>(
        `SELECT count(*)::int AS n, count(email_hash)::int AS hashed,
                count(*) FILTER (WHERE position(convert_to('@exemple.fr', 'UTF8') in email) > 0)::int AS plain
           FROM clients`,
      ),
    );
    expect(stored.rows[0]).toEqual({ n: 300, hashed: 300, plain: 0 });
    const firstRow = readFileSync(file, 'utf8').split('\n')[1];
    const { transactions, close } = await openBenchTransactions(config);
    const decrypted = await transactions
      .run({ role: 'admin', readOnly: true }, (c) =>
        c.query<{ email: string }>(
          `SELECT email FROM v_clients_decrypted ORDER BY client_id LIMIT 1`,
        ),
      )
      .finally(close);
    expect(firstRow.split(',')).toContain(decrypted.rows[0].email);
  });

  it('loads transaction lines under the same constraints as the service', async () => {
    const sizes = { magasins: 5, produits: 20, transactions: 50, details_transactions: 400 };
    for (const dataset of ['magasins', 'produits', 'transactions'] as const)
      await psqlCopy(config, dataset, await sampleFile(dataset, sizes));
    const lines = await sampleFile('details_transactions', sizes);
    expect(await psqlCopy(config, 'details_transactions', lines)).toBe(400);
  });

  it('fails on a row the trigger refuses, loads nothing, and never shows a key in its error', async () => {
    const file = join(dirname(await sampleFile('clients', { clients: 1 })), 'bad-clients.csv');
    writeFileSync(
      file,
      'client_id,nom,prenom,email,date_naissance,sexe,ville,date_inscription\n' +
        '900001,Durand,Léa,lea.durand@exemple.fr,1990-01-01,X,Lyon,2020-01-01\n',
    );
    const failure = await psqlCopy(config, 'clients', file).then(
      () => undefined,
      (error: Error) => error.message,
    );
    expect(failure).toMatch(/^psql \\copy into clients failed/);
    expect(failure).not.toContain(config.encryptionKey);
    expect(failure).not.toContain(config.blindIndexKey);
    const count = await db.asOwner((c) =>
      c.query<{ n: number }>(`SELECT count(*)::int AS n FROM clients WHERE client_id = 900001`),
    );
    expect(count.rows[0].n).toBe(0);
  });
});
