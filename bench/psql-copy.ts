/**
 * The reference a DBA would use instead of the service: `psql \copy` of a CSV file straight into
 * the real, migrated table (same trigger, same keys, same constraints), logged in as app_user and
 * switched to `writer` with the keys set by set_config(..., true) in the transaction, exactly as
 * RoleScopedTransactions does for an import.
 *
 * Secrets never reach psql's command line (visible to every user in /proc/<pid>/cmdline): the
 * password travels in PGPASSWORD, the keys in environment variables the session script reads with
 * \getenv, and the script itself (which holds no secret) on stdin. VERBOSITY terse keeps psql from
 * echoing the statement (hence the keys) in an error.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { datasetCatalog } from '../src/catalog/dataset-catalog';
import type { DatasetName } from '../src/catalog/dataset.types';
import type { AppConfig } from '../src/config/app-config';

/** Debian's package that provides psql (`apt-get install postgresql-client`). */
export const PSQL_PACKAGE = 'postgresql-client';

/** Why the baseline cannot run, in one line, or undefined when psql is on PATH. */
export function psqlMissing(): string | undefined {
  const probe = spawnSync('psql', ['--version'], { stdio: 'ignore' });
  if (!probe.error && probe.status === 0) return undefined;
  return `the psql \\copy baseline needs psql: install Debian's ${PSQL_PACKAGE} package (apt-get install ${PSQL_PACKAGE})`;
}

/** The file's header, checked against the catalog: only known column names reach the script. */
async function headerColumns(dataset: DatasetName, file: string): Promise<string[]> {
  const lines = createInterface({ input: createReadStream(file) });
  let header = '';
  for await (const line of lines) {
    header = line;
    break;
  }
  lines.close();
  const known = new Set(datasetCatalog.get(dataset).columns.map((c) => c.name));
  const columns = header.split(',').map((c) => c.trim());
  const unknown = columns.filter((c) => !known.has(c));
  if (unknown.length) throw new Error(`${file}: columns not in the catalog: ${unknown.join(', ')}`);
  return columns;
}

/** psql's own quoting of a string literal (the path is ours, but a quote must not break it). */
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

function sessionScript(dataset: DatasetName, columns: string[], file: string): string {
  return [
    '\\set ON_ERROR_STOP on',
    '\\set VERBOSITY terse',
    '\\set SHOW_CONTEXT never',
    '\\getenv encryption_key SMARTRETAIL_ENCRYPTION_KEY',
    '\\getenv blind_index_key SMARTRETAIL_BLIND_INDEX_KEY',
    'BEGIN;',
    `SELECT 1 FROM (SELECT set_config('role', 'writer', true),
                          set_config('smartretail.encryption_key', :'encryption_key', true),
                          set_config('smartretail.blind_index_key', :'blind_index_key', true),
                          set_config('statement_timeout', '0', true)) AS keys_set \\g /dev/null`,
    `\\copy ${dataset} (${columns.join(', ')}) FROM ${literal(file)} WITH (FORMAT csv, HEADER true)`,
    'COMMIT;',
    '',
  ].join('\n');
}

/**
 * Runs `\copy` of `file` into `dataset`'s table in one transaction; resolves with the rows psql
 * reports copied. Rejects with psql's (terse) error when the copy fails.
 */
export async function psqlCopy(
  config: AppConfig,
  dataset: DatasetName,
  file: string,
): Promise<number> {
  const missing = psqlMissing();
  if (missing) throw new Error(missing);
  const script = sessionScript(dataset, await headerColumns(dataset, file), file);
  const url = new URL(config.databaseUrl);
  const child = spawn('psql', ['-X', '-f', '-'], {
    env: {
      PATH: process.env.PATH ?? '',
      PGHOST: decodeURIComponent(url.hostname),
      PGPORT: url.port || '5432',
      PGDATABASE: decodeURIComponent(url.pathname.slice(1)),
      PGUSER: 'app_user',
      PGPASSWORD: config.appDbPassword,
      PGSSLMODE: config.dbSsl === 'disable' ? 'disable' : config.dbSsl,
      PGAPPNAME: 'smartretail-bench-psql',
      SMARTRETAIL_ENCRYPTION_KEY: config.encryptionKey,
      SMARTRETAIL_BLIND_INDEX_KEY: config.blindIndexKey,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(script);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0)
    throw new Error(`psql \\copy into ${dataset} failed (exit ${code}): ${stderr.trim()}`);
  const copied = /^COPY (\d+)$/m.exec(stdout);
  if (!copied) throw new Error(`psql \\copy into ${dataset} reported no row count`);
  return Number(copied[1]);
}
