import { ownerDataSource } from '../../src/database/database-migrator';
import { randomBytes } from 'node:crypto';
import { TestDatabase } from '../support/test-database';

/**
 * A failed query of the migrator (which binds the master key) or of the service (which binds
 * personal values) is logged with PostgreSQL's message and the statement, never its parameters.
 */
describe('failed queries in the log', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await TestDatabase.create();
  });
  afterAll(() => db.drop());

  it('names the failure and the statement but not the bound values', async () => {
    // A throwaway value, not the tests' key: PostgreSQL's own log records the failing value, and
    // key-secrecy.spec.ts rightly fails if the real key ever shows up there.
    const secret = randomBytes(32).toString('hex');
    const dataSource = await ownerDataSource(db.config().databaseUrl).initialize();
    const written: string[] = [];
    const capture = (chunk: unknown): boolean => {
      written.push(String(chunk));
      return true;
    };
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
    try {
      await expect(
        dataSource.query(`SELECT set_config('smartretail.encryption_key', $1, false)::integer`, [
          secret,
        ]),
      ).rejects.toThrow(/invalid input syntax for type integer/);
    } finally {
      out.mockRestore();
      err.mockRestore();
      await dataSource.destroy();
    }
    const log = written.join('');
    expect(log).toContain('Query failed: invalid input syntax for type integer: "$1"');
    expect(log).toContain("set_config('smartretail.encryption_key', $1, false)");
    expect(log).not.toContain(secret);
  });
});
