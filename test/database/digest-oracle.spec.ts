/**
 * The keyed digest and the blind index are no oracle for writer (issue 21, part 5). Writer holds
 * the blind-index key and may compute smartretail.pii_digest of any values (its trigger needs
 * to); what it must never do is compare that with a stored hash. The attack of the issue: one
 * statement over every date of a century recovered a client's birth date from the stored digest.
 */
import { Client } from 'pg';
import { loadRetailFixture, manyClients } from '../support/retail-fixture';
import { inTransaction, SessionScope, TestDatabase } from '../support/test-database';

const TARGET = manyClients(12)[5];
const PERMISSION_DENIED = /permission denied for table clients/;

/** Every date from 1930 to 2010 tried against the client's stored digest, the rest known. */
const BIRTH_DATE_SEARCH = `
  SELECT d::date::text AS found
    FROM generate_series(date '1930-01-01', date '2010-12-31', interval '1 day') AS d
   WHERE smartretail.pii_digest(ARRAY[$2, $3, $4, d::date::text, $5, $6]::text[])
         = (SELECT pii_digest FROM clients WHERE client_id = $1)`;
const KNOWN = [
  TARGET.client_id,
  TARGET.nom,
  TARGET.prenom,
  TARGET.email,
  TARGET.sexe,
  TARGET.ville,
];

describe('digest and blind index oracles', () => {
  let db: TestDatabase;
  let app: Client;
  const as = (scope: SessionScope, sql: string, params: unknown[] = []) =>
    inTransaction(app, scope, () => app.query(sql, params), { commit: false });

  beforeAll(async () => {
    db = await TestDatabase.create();
    app = await db.connect('app_user');
    await loadRetailFixture(app);
  });
  afterAll(async () => {
    await app.end();
    await db.drop();
  });

  it('finds the birth date for admin, who may read it anyway: the search itself is sound', async () => {
    const { rows } = await as({ role: 'admin' }, BIRTH_DATE_SEARCH, KNOWN);
    expect(rows).toEqual([{ found: TARGET.date_naissance }]);
  });

  it('refuses the same search to writer, who may not read the stored digest', async () => {
    await expect(as({ role: 'writer' }, BIRTH_DATE_SEARCH, KNOWN)).rejects.toThrow(
      PERMISSION_DENIED,
    );
  });

  it('refuses writer the digest and the blind index in any clause, not only in a select list', async () => {
    const guess = `smartretail.pii_digest(ARRAY['a', 'b', 'c', '1956-07-16', 'F', 'd']::text[])`;
    for (const sql of [
      `SELECT client_id FROM clients WHERE pii_digest = ${guess}`,
      `UPDATE clients SET date_inscription = date_inscription WHERE client_id = 6 AND pii_digest = ${guess}`,
      `UPDATE clients SET date_inscription = date_inscription WHERE client_id = 6 RETURNING pii_digest`,
      `SELECT count(*) FROM clients WHERE email_hash = smartretail.blind_index('${TARGET.email}')`,
    ]) {
      await expect(as({ role: 'writer' }, sql)).rejects.toThrow(/permission denied/);
    }
  });

  it('still lets writer compute digests and blind indexes, which its trigger needs', async () => {
    const { rows } = await as(
      { role: 'writer' },
      `SELECT octet_length(smartretail.pii_digest(ARRAY['x']::text[])) AS digest,
              octet_length(smartretail.blind_index('x@exemple.fr')) AS blind`,
    );
    expect(rows).toEqual([{ digest: 32, blind: 32 }]);
  });
});
