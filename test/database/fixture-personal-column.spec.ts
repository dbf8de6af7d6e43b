import { Client } from 'pg';
import { DatasetCatalog, datasetCatalog } from '../../src/catalog/dataset-catalog';
import type { DatasetSpec } from '../../src/catalog/dataset.types';
import { RecordVisibility } from '../../src/catalog/record-visibility';
import {
  renderProtectionLayer,
  schemaStatements,
} from '../../src/database/schema/protection-layer';
import { findSchemaDrift } from '../../src/database/schema/schema-drift';
import { SEALED_HEADER } from '../support/sealed-value';
import { inTransaction, TestDatabase } from '../support/test-database';

/**
 * Adding a personal column is one catalog change plus the rendered SQL: a fixture catalog (not
 * the product's) gives stores a phone number, personal and hidden from analysts.
 */
describe('a catalog with one more personal column, on another dataset', () => {
  const withPhone = (spec: DatasetSpec): DatasetSpec =>
    spec.name !== 'magasins'
      ? spec
      : {
          ...spec,
          columns: [
            ...spec.columns,
            {
              name: 'telephone',
              type: 'text',
              required: false,
              personal: true,
              analyst: 'hidden',
              description: 'Store manager phone number',
            },
          ],
        };
  const catalog = new DatasetCatalog(datasetCatalog.all().map(withPhone));
  const rendered = renderProtectionLayer(catalog, new RecordVisibility(catalog));
  const PHONE = '01 23 45 67 89';
  let db: TestDatabase;
  let client: Client;

  beforeAll(async () => {
    db = await TestDatabase.create();
    await db.asOwner(async (owner) => {
      // The column itself (a data migration when it held clear values); the rest is rendered.
      await owner.query('ALTER TABLE magasins ADD COLUMN telephone bytea');
      for (const statement of schemaStatements(rendered)) await owner.query(statement);
    });
    client = await db.connect('app_user');
    await inTransaction(client, { role: 'writer' }, () =>
      client.query(
        `INSERT INTO magasins (magasin_id, nom, ville, telephone) VALUES (1, 'Centre', 'Lyon', convert_to($1, 'UTF8'))`,
        [PHONE],
      ),
    );
  });
  afterAll(async () => {
    await client.end();
    await db.drop();
  });

  it('renders a protection trigger for stores', () => {
    expect(rendered.protections.map((p) => p.table)).toEqual(['clients', 'magasins']);
  });

  it('encrypts the phone number written by writer', async () => {
    const { rows } = await db.asOwner((owner) =>
      owner.query<{ telephone: Buffer; pii_digest: Buffer }>(
        'SELECT telephone, pii_digest FROM magasins WHERE magasin_id = 1',
      ),
    );
    expect(rows[0].telephone.subarray(0, 4)).toEqual(SEALED_HEADER);
    expect(rows[0].telephone.includes(Buffer.from(PHONE))).toBe(false);
    expect(rows[0].pii_digest).toHaveLength(32);
  });

  it('decrypts it in v_magasins_decrypted for admin', async () => {
    const { rows } = await inTransaction(client, { role: 'admin' }, () =>
      client.query('SELECT nom, telephone FROM v_magasins_decrypted WHERE magasin_id = 1'),
    );
    expect(rows).toEqual([{ nom: 'Centre', telephone: PHONE }]);
  });

  it('hides it from analyst: not in its view, no privilege on the column', async () => {
    const { rows } = await inTransaction(client, { role: 'analyst' }, () =>
      client.query('SELECT * FROM v_magasins_pseudonymised WHERE magasin_id = 1'),
    );
    expect(rows).toEqual([
      {
        magasin_id: 1,
        nom: 'Centre',
        adresse: null,
        ville: 'Lyon',
        code_postal: null,
        region: null,
      },
    ]);
    await expect(
      inTransaction(client, { role: 'analyst' }, () =>
        client.query('SELECT telephone FROM v_magasins_decrypted'),
      ),
    ).rejects.toThrow(/permission denied for view v_magasins_decrypted/);
    await expect(
      inTransaction(client, { role: 'analyst' }, () =>
        client.query('SELECT telephone FROM magasins'),
      ),
    ).rejects.toThrow(/permission denied for table magasins/);
  });

  it('leaves writer the clear columns of stores, neither the ciphertext nor the digest', async () => {
    for (const column of ['telephone', 'pii_digest']) {
      await expect(
        inTransaction(client, { role: 'writer' }, () =>
          client.query(`SELECT ${column} FROM magasins`),
        ),
      ).rejects.toThrow(/permission denied/);
    }
    const { rows } = await inTransaction(client, { role: 'writer' }, () =>
      client.query('SELECT magasin_id, nom FROM magasins'),
    );
    expect(rows).toEqual([{ magasin_id: 1, nom: 'Centre' }]);
  });

  it('is exactly what that catalog renders', async () => {
    const owner = await db.connect('owner');
    try {
      expect((await findSchemaDrift(owner, rendered)).problems).toEqual([]);
    } finally {
      await owner.end();
    }
  });
});
