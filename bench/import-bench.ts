/**
 * Import throughput, each figure next to its reference, measured in the same run:
 * - clients through the real import path vs what a DBA would do instead (`psql \copy` into the
 *   same migrated table, as writer, with the keys: see psql-copy.ts), vs the seed system's way
 *   (one INSERT per row, a trigger calling pgp_sym_encrypt with default options) and vs the
 *   crypto bound (one SELECT doing the same encryptions and HMACs as our trigger, no writes);
 * - 2,000,000 transaction lines through the real path vs `psql \copy` into the same table, and vs
 *   a plain COPY into an unconstrained table.
 * Both paths start from an empty table: the service's import runs first, then the table is
 * emptied and loaded again by \copy (same file, same trigger and keys: the later parts read the
 * same rows). Not the other way round: a table emptied by TRUNCATE and then auto-analyzed has
 * statistics saying "0 rows", and the import's NOT EXISTS merge then plans a nested loop that
 * scans the rows it is inserting once per row (quadratic; seen as a 20-minute clients import). References other than \copy live in a
 * scratch schema `bench`, never in migrations; they run as writer through the product's
 * RoleScopedTransactions (keys and role as for an import), DDL alone as the owner.
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Client, PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { datasetCatalog } from '../src/catalog/dataset-catalog';
import type { DatasetName } from '../src/catalog/dataset.types';
import { BenchContext, BenchFigures, BenchPart, perSecond, timed } from './bench-context';
import { psqlCopy } from './psql-copy';

const SEED_WAY_ROWS = 2_000;

async function importFile(ctx: BenchContext, dataset: DatasetName): Promise<number> {
  return timed(async () => {
    const { report, failure } = await ctx.imports.importContent({
      dataset: datasetCatalog.get(dataset),
      source: 'cli',
      mode: 'default',
      fileName: `${dataset}.csv`,
      content: createReadStream(ctx.files[dataset], { highWaterMark: 256 * 1024 }),
    });
    if (
      failure ||
      report.counts.inserted + report.counts.updated + report.counts.unchanged !== ctx.rows[dataset]
    ) {
      throw new Error(
        `bench import of ${dataset} did not load every row: ${JSON.stringify(report.counts)}`,
      );
    }
  });
}

/** Work as writer with the keys, in one transaction of the product's own helper. */
function asWriter<T>(ctx: BenchContext, work: (c: PoolClient) => Promise<T>): Promise<T> {
  return ctx.transactions.run({ role: 'writer', statementTimeoutMs: 0 }, work);
}

async function asOwner(ctx: BenchContext, work: (c: Client) => Promise<unknown>): Promise<void> {
  const c = await ctx.connectAsOwner();
  try {
    await work(c);
  } finally {
    await c.end();
  }
}

async function copyInto(c: Client | PoolClient, table: string, file: string): Promise<void> {
  await pipeline(
    createReadStream(file, { highWaterMark: 256 * 1024 }),
    c.query(copyFrom(`COPY ${table} FROM STDIN (FORMAT csv, HEADER true)`)),
  );
}

const CLIENT_TEXT_COLUMNS =
  'client_id int, nom text, prenom text, email text, date_naissance text, sexe text, ville text, date_inscription date';

async function prepareScratch(ctx: BenchContext): Promise<void> {
  await asOwner(ctx, async (c) => {
    await c.query(`DROP SCHEMA IF EXISTS bench CASCADE`);
    await c.query(`CREATE SCHEMA bench`);
    await c.query(`CREATE TABLE bench.clients_plain (${CLIENT_TEXT_COLUMNS})`);
    await copyInto(c, 'bench.clients_plain', ctx.files.clients);
    await c.query(`ANALYZE bench.clients_plain`);
    // The seed system's way: every personal column through pgp_sym_encrypt's defaults
    // (AES-128, iterated-and-salted S2K), one INSERT statement per row.
    await c.query(`CREATE TABLE bench.seed_clients (client_id int PRIMARY KEY, nom bytea, prenom bytea, email bytea,
                   date_naissance bytea, sexe bytea, ville bytea, date_inscription date)`);
    await c.query(`CREATE FUNCTION bench.seed_encrypt() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE k text := current_setting('smartretail.encryption_key');
      BEGIN
        NEW.nom := pgp_sym_encrypt(convert_from(NEW.nom, 'UTF8'), k);
        NEW.prenom := pgp_sym_encrypt(convert_from(NEW.prenom, 'UTF8'), k);
        NEW.email := pgp_sym_encrypt(convert_from(NEW.email, 'UTF8'), k);
        NEW.date_naissance := pgp_sym_encrypt(convert_from(NEW.date_naissance, 'UTF8'), k);
        NEW.sexe := pgp_sym_encrypt(convert_from(NEW.sexe, 'UTF8'), k);
        NEW.ville := pgp_sym_encrypt(convert_from(NEW.ville, 'UTF8'), k);
        RETURN NEW;
      END $$`);
    await c.query(
      `CREATE TRIGGER seed_encrypt BEFORE INSERT ON bench.seed_clients FOR EACH ROW EXECUTE FUNCTION bench.seed_encrypt()`,
    );
    await c.query(
      `CREATE TABLE bench.details_plain (detail_id int, transaction_id int, produit_id int, quantite int, prix_unitaire numeric(12,2))`,
    );
    // The references run as writer, like the import they are compared with.
    await c.query(`GRANT USAGE ON SCHEMA bench TO writer`);
    await c.query(`GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA bench TO writer`);
  });
}

/**
 * One INSERT statement per row. All in one transaction: the keys are transaction-local, as the
 * service sets them, and the cost measured is the per-row statements and the default S2K.
 */
async function seedWay(ctx: BenchContext): Promise<number> {
  let seconds = 0;
  await asWriter(ctx, async (c) => {
    const rows = await c.query(
      `SELECT * FROM bench.clients_plain ORDER BY client_id LIMIT ${SEED_WAY_ROWS}`,
    );
    seconds = await timed(async () => {
      for (const r of rows.rows as Record<string, unknown>[]) {
        await c.query(
          `INSERT INTO bench.seed_clients VALUES ($1, convert_to($2,'UTF8'), convert_to($3,'UTF8'), convert_to($4,'UTF8'),
                   convert_to($5,'UTF8'), convert_to($6,'UTF8'), convert_to($7,'UTF8'), $8)`,
          [
            r.client_id,
            r.nom,
            r.prenom,
            r.email,
            r.date_naissance,
            r.sexe,
            r.ville,
            r.date_inscription,
          ],
        );
      }
    });
  });
  return perSecond(SEED_WAY_ROWS, seconds);
}

/**
 * The same pgcrypto work as an imported client's INSERT: its data key wrapped (the importer) and
 * unwrapped with its tag checked (the trigger), the value keys derived, one random draw of IVs,
 * 6 seals bound to the client (AES-256-CBC and an HMAC tag each), 2 HMACs. Measured in one
 * backend (parallel workers off), as a trigger runs, and also as PostgreSQL would run the SELECT
 * on its own with parallel workers, so the comparison is explicit.
 */
async function cryptoBound(ctx: BenchContext): Promise<{ single: number; parallel: number }> {
  const figures = { single: 0, parallel: 0 };
  await asWriter(ctx, async (c) => {
    const columns = ['nom', 'prenom', 'email', 'date_naissance', 'sexe', 'ville'];
    const seal = (col: string, i: number) =>
      `octet_length(smartretail.value_tag(smartretail.seal_block(convert_to(${col}, 'UTF8'), keys,
         substring(iv FROM ${i * 16 + 1} FOR 16)), keys, client_id, '${col}'))`;
    // Summing the outputs forces every call: the planner drops unused STABLE results.
    const sql = `SELECT sum(${columns.map(seal).join(' + ')}
                   + octet_length(smartretail.blind_index(email))
                   + octet_length(smartretail.pii_digest(ARRAY[${columns.join(', ')}])))
               FROM (SELECT w.*, smartretail.value_keys(smartretail.data_key(client_id, wrapped,
                              smartretail.encryption_key_version())) AS keys
                       FROM (SELECT p.*, smartretail.wrap_data_key(p.client_id, public.gen_random_bytes(32)) AS wrapped,
                                    public.gen_random_bytes(${columns.length * 16}) AS iv
                               FROM bench.clients_plain p OFFSET 0) w OFFSET 0) r`;
    figures.parallel = perSecond(ctx.rows.clients, await timed(() => c.query(sql)));
    await c.query(`SET LOCAL max_parallel_workers_per_gather = 0`);
    figures.single = perSecond(ctx.rows.clients, await timed(() => c.query(sql)));
  });
  return figures;
}

async function plainCopy(ctx: BenchContext): Promise<number> {
  let seconds = 0;
  await asWriter(ctx, async (c) => {
    seconds = await timed(() => copyInto(c, 'bench.details_plain', ctx.files.details_transactions));
  });
  return perSecond(ctx.rows.details_transactions, seconds);
}

/**
 * What a DBA would do: the table emptied (of the rows the service's import just loaded), then
 * `psql \copy` of the same file into it, timed.
 */
async function dbaCopy(
  ctx: BenchContext,
  dataset: 'clients' | 'details_transactions',
): Promise<number> {
  await asOwner(ctx, (c) => c.query(`TRUNCATE ${dataset} CASCADE`));
  let copied = 0;
  const seconds = await timed(async () => {
    copied = await psqlCopy(ctx.config, dataset, ctx.files[dataset]);
  });
  if (copied !== ctx.rows[dataset])
    throw new Error(`psql \\copy loaded ${copied} of ${ctx.rows[dataset]} ${dataset} rows`);
  return perSecond(ctx.rows[dataset], seconds);
}

export const importBench: BenchPart = {
  name: 'import throughput',
  async run(ctx: BenchContext): Promise<BenchFigures> {
    await prepareScratch(ctx);
    ctx.log('clients: the real import path, then psql \\copy');
    const clientsSeconds = await importFile(ctx, 'clients');
    const clientsCopy = await dbaCopy(ctx, 'clients');
    ctx.log('clients: crypto bound, seed way');
    const crypto = await cryptoBound(ctx);
    const seed = await seedWay(ctx);
    ctx.log('parents of the transaction lines');
    for (const parent of ['magasins', 'produits', 'transactions'] as const)
      await importFile(ctx, parent);
    ctx.log('details_transactions: the real import path, psql \\copy, plain COPY');
    const detailsSeconds = await importFile(ctx, 'details_transactions');
    const detailsCopy = await dbaCopy(ctx, 'details_transactions');
    const plain = await plainCopy(ctx);
    return {
      clients_rows_per_s: perSecond(ctx.rows.clients, clientsSeconds),
      clients_psql_copy_rows_per_s: clientsCopy,
      crypto_bound_rows_per_s: crypto.single,
      crypto_bound_parallel_rows_per_s: crypto.parallel,
      seed_way_rows_per_s: seed,
      details_rows_per_s: perSecond(ctx.rows.details_transactions, detailsSeconds),
      details_psql_copy_rows_per_s: detailsCopy,
      plain_copy_rows_per_s: plain,
    };
  },
};
