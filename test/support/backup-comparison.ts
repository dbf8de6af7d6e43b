/**
 * What a restore must preserve, in a form two databases can be compared by: every dataset as
 * the admin's full decrypted CSV export (what the service serves), and the stored bytes of the
 * sealed rows (what the database holds: a value sealed again would differ, one row at a time).
 */
import type { Client } from 'pg';
import request from 'supertest';
import { datasetCatalog } from '../../src/catalog/dataset-catalog';
import type { AppConfig } from '../../src/config/app-config';
import { listeningApp } from './http-app';
import { bearer } from './role-tokens';

/** Every dataset as the admin's full CSV export, from the real HTTP app on `config`. */
export async function csvExports(config: AppConfig): Promise<Record<string, string>> {
  const app = await listeningApp(config);
  try {
    const out: Record<string, string> = {};
    for (const spec of datasetCatalog.all()) {
      const res = await request(app.getHttpServer())
        .get(`/datasets/${spec.name}/records`)
        .set(...bearer('admin'))
        .set('Accept', 'text/csv')
        .expect(200);
      out[spec.name] = res.text;
    }
    return out;
  } finally {
    await app.close();
  }
}

/** The md5 of each stored row of clients and smartretail.client_keys, and of the audit log. */
const STORED_ROWS = `
  SELECT 'clients/' || c.client_id AS row, md5(c::text) AS digest FROM clients c
  UNION ALL
  SELECT 'client_keys/' || k.client_id, md5(k::text) FROM smartretail.client_keys k
  UNION ALL
  SELECT 'audit_log', md5(string_agg(a::text, '|' ORDER BY a::text)) FROM audit_log a`;

/** Read as the owner, keyless: a row name ("clients/3") to the md5 of its stored bytes. */
export async function storedRowDigests(owner: Client): Promise<Record<string, string>> {
  const { rows } = await owner.query<{ row: string; digest: string }>(STORED_ROWS);
  return Object.fromEntries(rows.map((r) => [r.row, r.digest]));
}
