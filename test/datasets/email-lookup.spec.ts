import { Client } from 'pg';
import request from 'supertest';
import { column } from '../support/page-body';
import { datasetCatalog } from '../../src/catalog/dataset-catalog';
import { recordVisibility } from '../../src/catalog/record-visibility';
import { parseRecordQuery } from '../../src/datasets/record-query';
import { pageSql } from '../../src/datasets/record-sql';
import { HttpHarness, startHttpHarness } from '../support/http-app';
import { bearer } from '../support/role-tokens';
import { insertClients, manyClients } from '../support/retail-fixture';
import { inTransaction } from '../support/test-database';

const CLIENTS = 2000;

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}
const nodes = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodes)];

describe('e-mail lookup through the blind index', () => {
  let h: HttpHarness;
  const lookup = (email: string, role: 'admin' | 'analyst' = 'admin') =>
    request(h.app.getHttpServer())
      .get('/datasets/clients/records')
      .query({ email })
      .set(...bearer(role));

  beforeAll(async () => {
    h = await startHttpHarness();
    await h.db.asOwner(async (c) => {
      await insertClients(c, manyClients(CLIENTS));
      await c.query('ANALYZE clients');
    });
  });
  afterAll(() => h.close());

  it('finds the one client with that address', async () => {
    const res = await lookup('eloise.lefevre1234@exemple.fr').expect(200);
    expect(res.body.items).toEqual([manyClients(1, 1234)[0]]);
    expect(res.body.nextCursor).toBeNull();
  });

  it('ignores case and surrounding spaces, as the blind index normalises them', async () => {
    const res = await lookup('  Eloise.LEFEVRE1234@Exemple.FR ').expect(200);
    expect(column(res, 'client_id')).toEqual([1234]);
  });

  it('answers an empty page for an unknown address', async () => {
    const res = await lookup('nobody@exemple.fr').expect(200);
    expect(res.body).toEqual({ dataset: 'clients', items: [], nextCursor: null });
  });

  it('does not match a near miss (no partial or prefix matching)', async () => {
    const res = await lookup('eloise.lefevre123@exemple.fr').expect(200);
    expect(column(res, 'client_id')).toEqual([123]);
  });

  it('is refused to analyst: it would re-identify a pseudonymised record', async () => {
    const res = await lookup('eloise.lefevre1234@exemple.fr', 'analyst').expect(403);
    expect(res.body.message).toBe('your role may not look clients up by email');
  });

  it('runs as an index scan on clients_email_hash_idx (the plan of the repository query)', async () => {
    const spec = datasetCatalog.get('clients');
    const source = {
      spec,
      view: recordVisibility.viewFor(spec, 'admin')!,
      columns: recordVisibility.visibleColumns(spec, 'admin'),
    };
    const query = parseRecordQuery(spec, 'admin', { email: 'eloise.lefevre42@exemple.fr' });
    const client: Client = await h.db.connect('app_user');
    try {
      const plan = await inTransaction(client, { role: 'admin' }, async () => {
        // The repository's own SQL, prefixed with EXPLAIN: the plan of exactly what it runs.
        const { text, values } = pageSql(source, query);
        const { rows } = await client.query(`EXPLAIN (FORMAT JSON) ${text}`, values);
        return (rows[0]['QUERY PLAN'] as { Plan: PlanNode }[])[0].Plan;
      });
      const scans = nodes(plan).filter((n) => n['Relation Name'] === 'clients');
      expect(scans.map((n) => n['Index Name'])).toContain('clients_email_hash_idx');
      expect(scans.map((n) => n['Node Type'])).not.toContain('Seq Scan');
    } finally {
      await client.end();
    }
  });
});
