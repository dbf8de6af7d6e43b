/**
 * Imports never take one of the requests' connections: the pool holds DB_POOL_SIZE for
 * requests plus two per import that may run (IMPORT_CONCURRENCY): its lock's and its work's. Measured before the change:
 * a 100,000-client upload under load cost the readers 503s "every database connection is busy",
 * because it held one of their DB_POOL_SIZE connections for its whole duration.
 */
import { DataSource, QueryRunner } from 'typeorm';
import { ImportHarness } from '../support/import-harness';
import { sampleFile } from '../support/sample-files';

const POOL = 2;

describe('the pool share of imports', () => {
  let h: ImportHarness;
  beforeAll(async () => {
    h = await ImportHarness.start({
      DB_POOL_SIZE: String(POOL),
      IMPORT_CONCURRENCY: '1',
      DB_ACQUIRE_TIMEOUT_MS: '1000',
      IMPORT_CRON: '0 0 3 1 1 *',
    });
  });
  afterAll(() => h.stop());

  it('imports a file while requests hold all DB_POOL_SIZE connections', async () => {
    const file = await sampleFile('magasins', { magasins: 20 });
    const held: QueryRunner[] = [];
    try {
      for (let i = 0; i < POOL; i++) {
        const runner = h.app.get(DataSource).createQueryRunner();
        await runner.connect();
        held.push(runner);
      }
      const { report, failure } = await h.importFile(file, 'magasins');
      expect(failure).toBeUndefined();
      expect(report.status).toBe('succeeded');
      expect(report.counts.inserted).toBe(20);
    } finally {
      for (const runner of held) await runner.release();
    }
  });
});
