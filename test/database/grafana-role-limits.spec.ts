/**
 * The limits of the `grafana` login, on a PostgreSQL server of this test's own: its connection
 * limit must be reached without starving another test file's grafana connections, and the
 * server's other databases (`postgres`) must be those of a real cluster.
 */
import { Client } from 'pg';
import {
  GRAFANA_CONNECTION_LIMIT,
  GRAFANA_STATEMENT_TIMEOUT,
} from '../../migrations/1795564860000-LimitGrafanaRole';
import { urlForRole } from '../../src/database/connection-url';
import { OwnPostgres } from '../support/own-postgres';
import { testSecrets } from '../support/test-database';

jest.setTimeout(120_000);

describe('the grafana database role', () => {
  let pg: OwnPostgres;
  const open: Client[] = [];
  const login = async (role: 'grafana' | 'app_user', database = 'smartretail') => {
    const s = testSecrets();
    const url = new URL(
      urlForRole(pg.url, role, role === 'grafana' ? s.grafanaDbPassword : s.appDbPassword),
    );
    url.pathname = `/${database}`;
    const client = new Client({ connectionString: url.toString() });
    await client.connect();
    open.push(client);
    return client;
  };

  beforeAll(async () => {
    pg = await OwnPostgres.start();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.end().catch(() => undefined)));
  });
  afterAll(async () => {
    await pg?.end();
  });

  it('runs under a statement timeout: a runaway query is cancelled', async () => {
    const grafana = await login('grafana');
    const { rows } = await grafana.query<{ statement_timeout: string }>('SHOW statement_timeout');
    expect(rows[0].statement_timeout).toBe(GRAFANA_STATEMENT_TIMEOUT);
    await expect(grafana.query('SELECT pg_sleep(60)')).rejects.toThrow(
      'canceling statement due to statement timeout',
    );
  });

  it('reads in read-only transactions', async () => {
    const grafana = await login('grafana');
    const { rows } = await grafana.query<{ ro: string }>('SELECT current_setting($1) AS ro', [
      'default_transaction_read_only',
    ]);
    expect(rows[0].ro).toBe('on');
  });

  it(`is refused connection ${GRAFANA_CONNECTION_LIMIT + 1}`, async () => {
    for (let i = 0; i < GRAFANA_CONNECTION_LIMIT; i++) await login('grafana');
    await expect(login('grafana')).rejects.toThrow('too many connections for role "grafana"');
  });

  it('cannot connect to the other databases of the cluster, while app_user still connects to its own', async () => {
    await expect(login('grafana', 'postgres')).rejects.toThrow(
      'permission denied for database "postgres"',
    );
    await expect(login('grafana', 'template1')).rejects.toThrow(
      'permission denied for database "template1"',
    );
    const app = await login('app_user');
    expect((await app.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
    const grafana = await login('grafana');
    expect((await grafana.query('SELECT count(*) >= 0 AS ok FROM kpi_stores')).rows).toEqual([
      { ok: true },
    ]);
  });
});
