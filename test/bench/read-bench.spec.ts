import { Client } from 'pg';
import { ensureBenchClients } from '../../bench/read-bench-clients';
import { runReadBench } from '../../bench/read-bench';
import { openBenchTransactions } from '../../bench/bench-transactions';
import { TestDatabase } from '../support/test-database';

/** The benchmark's own machinery, on a small data set (its figures are not asserted: no clocks). */
describe('the read benchmark', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await TestDatabase.create();
    await db.migrate();
  });
  afterAll(() => db.drop());

  it('loads clients through the real trigger, topping up to the number wanted', async () => {
    const { transactions, close } = await openBenchTransactions(db.config());
    await db
      .asOwner(async (owner) => {
        await ensureBenchClients(owner, transactions, 1200, () => undefined);
        await ensureBenchClients(owner, transactions, 2500, () => undefined);
        const { rows } = await owner.query<{ n: number; hashed: number }>(
          `SELECT count(*)::int AS n, count(email_hash)::int AS hashed FROM clients`,
        );
        expect(rows[0]).toEqual({ n: 2500, hashed: 2500 });
      })
      .finally(close);
  });

  it('pages through every client over HTTP and reports the three figures', async () => {
    const config = db.config();
    const lines: string[] = [];
    const figures = await runReadBench({
      config,
      connectAsOwner: async () => {
        const c = new Client({ connectionString: config.databaseUrl });
        await c.connect();
        return c;
      },
      log: (line) => lines.push(line),
      overhead: { connections: 4, seconds: 2 },
    });
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^paged 2500 clients/),
        expect.stringMatching(/^exported 2500 clients as CSV/),
        expect.stringMatching(/^paged \d+ clients signed up since/),
        expect.stringMatching(/^captured the transactions of 32 requests/),
      ]),
    );
    for (const key of [
      'read_decrypted_rows_per_s',
      'decrypt_bound_rows_per_s',
      'decrypt_bound_parallel_rows_per_s',
      'email_lookup_p95_ms',
      'csv_export_rows_per_s',
      'filtered_paging_rows_per_s',
      'read_http_per_s',
      'read_tx_pgbench_per_s',
    ]) {
      expect(figures[key]).toBeGreaterThan(0);
    }
    // A small database and four connections: every request of the mix is answered.
    expect(figures.read_http_failed).toBe(0);
    const audited = await db.asOwner((c) =>
      c.query<{ n: number }>(
        `SELECT sum(record_count)::int AS n FROM audit_log WHERE sub = 'bench'`,
      ),
    );
    // Paging, the CSV export and the filtered pages are all audited.
    expect(audited.rows[0].n).toBeGreaterThanOrEqual(5000);
  });
});
