/**
 * Loads benchmark clients for running the read bench on its own: realistic French names, unique
 * e-mails, birth dates, cities, written as `writer` through the product's RoleScopedTransactions
 * (role and keys set as for an import), so the real trigger encrypts them and computes the blind
 * index, exactly as an import would. Set-based, in chunks, one transaction each.
 */
import type { Client } from 'pg';
import type { RoleScopedTransactions } from '../src/database/role-scoped-transactions';

const CHUNK = 20_000;

export async function ensureBenchClients(
  owner: Client,
  transactions: RoleScopedTransactions,
  wanted: number,
  log: (message: string) => void,
): Promise<void> {
  const { rows } = await owner.query<{ n: number; top: number }>(
    'SELECT count(*)::int AS n, coalesce(max(client_id), 0) AS top FROM clients',
  );
  let next = rows[0].top + 1;
  let have = rows[0].n;
  while (have < wanted) {
    const size = Math.min(CHUNK, wanted - have);
    // No statement timeout: a chunk of 20,000 encryptions may outlast the service's default.
    await transactions.run({ role: 'writer', statementTimeoutMs: 0 }, async (c) => {
      await c.query(
        `WITH names AS (
             SELECT ARRAY['Martin','Bernard','Dubois','Thomas','Robert','Richard','Petit','Durand','Leroy','Moreau','Lefèvre','Fournier'] AS nom,
                    ARRAY['Éloïse','Jean','Marie','Lucas','Chloé','Hugo','Léa','Louis','Zoé','Gabriel','Inès','Noël'] AS prenom,
                    ARRAY['Paris','Lyon','Marseille','Lille','Nantes','Saint-Étienne','Bordeaux','Toulouse'] AS ville
           )
           INSERT INTO clients (client_id, nom, prenom, email, date_naissance, sexe, ville, date_inscription)
           SELECT g,
                  convert_to(n.nom[1 + g % 12], 'UTF8'),
                  convert_to(n.prenom[1 + (g / 12) % 12], 'UTF8'),
                  convert_to('client' || g || '@exemple.fr', 'UTF8'),
                  convert_to(to_char(date '1940-01-01' + (g * 7919) % 25000, 'YYYY-MM-DD'), 'UTF8'),
                  convert_to((ARRAY['H','F','Autre'])[1 + g % 3], 'UTF8'),
                  convert_to(n.ville[1 + g % 8], 'UTF8'),
                  date '2018-01-01' + g % 2500
             FROM generate_series($1::int, $1::int + $2::int - 1) AS g, names n`,
        [next, size],
      );
    });
    next += size;
    have += size;
    log(`loaded ${have} clients`);
  }
  await owner.query('ANALYZE clients');
}
