/**
 * Replicas may start together on a new database (a rollout, `docker compose up --scale app=2`):
 * the migrator's advisory lock lets exactly one apply the migrations while the other waits,
 * and exactly one enrols the keys' check values.
 */
import { Client } from 'pg';
import { TestDatabase } from '../support/test-database';
import { readiness, ReplicaSet, withEmptyDatabase } from './replica-set';

describe('two replicas starting at once on an empty database', () => {
  let db: TestDatabase;
  const replicas = new ReplicaSet();

  beforeAll(async () => (db = await TestDatabase.create()));
  afterAll(async () => {
    await replicas.stop();
    await db.drop();
  });

  it('both become ready, and each migration is applied exactly once by one of them', async () => {
    await withEmptyDatabase(process.env.TEST_ADMIN_URL!, async (url) => {
      const started = await replicas.start(
        2,
        db.environment({ DATABASE_URL: url, LOG_LEVEL: 'log', IMPORT_ON_START: 'false' }),
      );

      expect(await Promise.all(started.map(readiness))).toEqual([200, 200]);
      const outputs = started.map((r) => r.process.output);
      expect(outputs.filter((o) => o.includes('Applied migrations'))).toHaveLength(1);
      expect(outputs.filter((o) => o.includes('Schema is up to date'))).toHaveLength(1);
      // Enrolment is insert-if-absent then compare: one enrols the keys, the other matches them.
      expect(outputs.filter((o) => o.includes('Encryption keys enrolled'))).toHaveLength(1);
      expect(outputs.filter((o) => o.includes('Encryption keys match this database'))).toHaveLength(
        1,
      );

      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query<{ name: string; copies: number }>(
          `SELECT name, count(*)::int AS copies FROM migrations GROUP BY name`,
        );
        expect(rows.length).toBeGreaterThanOrEqual(5);
        expect(rows.filter((r) => r.copies !== 1)).toEqual([]);
      } finally {
        await client.end();
      }
      expect(await replicas.stop()).toEqual([0, 0]);
    });
  });
});
