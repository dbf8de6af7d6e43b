/**
 * The migration CleanPersonalRejections over an import history written by the previous
 * importer: clear cells of a dataset with personal data (a shifted row's e-mail address under
 * date_inscription, a name under client_id, header cells as warnings and rejection columns, a
 * PostgreSQL message quoting a value) are rewritten in place; other datasets keep theirs.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { CleanPersonalRejections1795564950000 } from '../../migrations/1795564950000-CleanPersonalRejections';
import { AppConfig } from '../../src/config/app-config';
import { migrateDatabase } from '../../src/database/database-migrator';
import { previousSchemaDatabase } from '../support/previous-schema';
import { TestDatabase } from '../support/test-database';

const MARKERS = /zqold|1931-07-13/i;
const BAD_DATE = 'not a valid date (expected YYYY-MM-DD or dd/mm/yyyy)';
const TRIGGER_REFUSAL =
  'the database refused the file: clients.email must be an e-mail address without invisible characters';

/** [line, column_name, reason, value] as the previous importer stored them. */
type Rejection = [number, string | null, string, string | null];

const CLIENT_REJECTIONS: Rejection[] = [
  [3, 'date_inscription', BAD_DATE, 'zqold.erase@evil.test'],
  [4, 'client_id', 'not an integer', 'Zqoldname'],
  [5, 'email', 'not an e-mail address', '[redacted]'],
  [6, 'Zqoldville', '10 fields expected, 8 found', null],
  [7, 'field 11 (after zqold.hdr@evil.test)', '10 fields expected, 11 found', null],
  [8, 'field 9 (after date_inscription)', '8 fields expected, 9 found', null],
  [9, 'client_id', 'erased subject', '5'],
  [10, 'client_id', 'superseded by line 12 (same client_id)', null],
];

describe('the CleanPersonalRejections migration', () => {
  let db: TestDatabase;
  let config: AppConfig;
  let owner: Client;
  const runs = { clients: randomUUID(), refused: randomUUID(), trigger: randomUUID() };
  const stores = randomUUID();

  const addRun = (id: string, dataset: string, warnings: string[], error: string | null) =>
    owner.query(
      `INSERT INTO import_runs (id, dataset, source, mode, file_name, started_at, status, warnings,
                                error, failure_kind)
       VALUES ($1, $2, 'upload', 'default', 'f.csv', now(), $3, $4::jsonb, $5, $6)`,
      [
        id,
        dataset,
        error ? 'failed' : 'succeeded',
        JSON.stringify(warnings),
        error,
        error ? 'input' : null,
      ],
    );
  const addRejections = (run: string, rows: Rejection[]) =>
    owner.query(
      `INSERT INTO import_rejections (run_id, line, column_name, reason, value)
       SELECT $1, r.line, r.col, r.reason, r.value
         FROM unnest($2::int[], $3::text[], $4::text[], $5::text[]) AS r (line, col, reason, value)`,
      [run, ...[0, 1, 2, 3].map((i) => rows.map((r) => r[i]))],
    );
  const rejectionsOf = async (run: string) =>
    (
      await owner.query(
        `SELECT line, column_name, reason, value, value_shape FROM import_rejections
          WHERE run_id = $1 ORDER BY line`,
        [run],
      )
    ).rows;
  const runOf = async (id: string) =>
    (await owner.query(`SELECT warnings, error FROM import_runs WHERE id = $1`, [id])).rows[0];

  beforeAll(async () => {
    ({ db, config } = await previousSchemaDatabase(CleanPersonalRejections1795564950000));
    owner = await db.connect('owner');
    await addRun(
      runs.clients,
      'clients',
      [
        'unknown column(s) ignored: Zqoldville, zqold.hdr@evil.test',
        'client_id 3 appears on lines 2, 12: line 12 wins',
      ],
      null,
    );
    await addRejections(runs.clients, CLIENT_REJECTIONS);
    await addRun(
      runs.refused,
      'clients',
      [],
      'the database refused the file: invalid input syntax for type date: "zqold@evil.test"',
    );
    await addRun(runs.trigger, 'clients', [], TRIGGER_REFUSAL);
    await addRun(stores, 'magasins', ['unknown column(s) ignored: couleur'], null);
    await addRejections(stores, [[3, 'magasin_id', 'not an integer', 'Lyon Nord']]);
    await migrateDatabase(config);
  });
  afterAll(async () => {
    await owner.end();
    await db.drop();
  });

  it('leaves no clear cell of a dataset with personal data in the import history', async () => {
    const history = await owner.query(
      `SELECT r::text AS row FROM import_runs r UNION ALL SELECT j::text FROM import_rejections j`,
    );
    expect(history.rows.filter(({ row }) => MARKERS.test(row))).toEqual([]);
  });

  it("drops the values, keeps an erased subject's key, and places header cells by position", async () => {
    expect(await rejectionsOf(runs.clients)).toEqual([
      {
        line: 3,
        column_name: 'date_inscription',
        reason: BAD_DATE,
        value: null,
        value_shape: null,
      },
      {
        line: 4,
        column_name: 'client_id',
        reason: 'not an integer',
        value: null,
        value_shape: null,
      },
      {
        line: 5,
        column_name: 'email',
        reason: 'not an e-mail address',
        value: null,
        value_shape: null,
      },
      {
        line: 6,
        column_name: 'ignored column 9',
        reason: '10 fields expected, 8 found',
        value: null,
        value_shape: null,
      },
      {
        line: 7,
        column_name: 'field 11 (after ignored column 10)',
        reason: '10 fields expected, 11 found',
        value: null,
        value_shape: null,
      },
      {
        line: 8,
        column_name: 'field 9 (after date_inscription)',
        reason: '8 fields expected, 9 found',
        value: null,
        value_shape: null,
      },
      {
        line: 9,
        column_name: 'client_id',
        reason: 'erased subject',
        value: '5',
        value_shape: null,
      },
      {
        line: 10,
        column_name: 'client_id',
        reason: 'superseded by line 12 (same client_id)',
        value: null,
        value_shape: null,
      },
    ]);
  });

  it('rewrites warnings naming header cells and errors quoting PostgreSQL, keeping the rest', async () => {
    expect(await runOf(runs.clients)).toEqual({
      warnings: [
        'unknown column(s) ignored (not named: the dataset holds personal data)',
        'client_id 3 appears on lines 2, 12: line 12 wins',
      ],
      error: null,
    });
    expect((await runOf(runs.refused)).error).toBe(
      'the database refused the file (its message was removed: it may have quoted a value)',
    );
    expect((await runOf(runs.trigger)).error).toBe(TRIGGER_REFUSAL);
  });

  it('keeps the values and warnings of a dataset without personal data', async () => {
    expect(await runOf(stores)).toEqual({
      warnings: ['unknown column(s) ignored: couleur'],
      error: null,
    });
    expect((await rejectionsOf(stores)).map((r) => r.value)).toEqual(['Lyon Nord']);
  });
});
