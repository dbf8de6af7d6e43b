/**
 * Renders the row trigger that protects a dataset's personal columns, and the statement trigger
 * that refuses a transaction's wrong keys, from the catalog. What they do, and why (key per
 * transaction, no double encryption, validation before encryption),
 * is explained in migrations/1795564802000-CreateEncryptionTriggers.ts and
 * 1795564830000-CreateKeyCheckValues.ts, whose helper functions the rendered trigger calls.
 * Envelope encryption (1795564920000-EnvelopeEncryption.ts): values are encrypted under the
 * subject's own data key (smartretail.client_data_key), and an erased subject's row is a
 * tombstone that keeps nothing personal. Values are sealed with AES-256-CBC and HMAC-SHA256
 * (1795564940000-SealPersonalValues.ts). Data keys are per client: the clients table is the
 * catalog's only dataset with personal columns, keyed by its primary key.
 */
import type { DatasetCatalog } from '../../catalog/dataset-catalog';
import type { ColumnSpec, DatasetName, DatasetSpec } from '../../catalog/dataset.types';
import { sqlLiteral, valueRules } from '../../catalog/value-rules';
import { blindIndexColumn, DIGEST_COLUMN, ERASED_AT_COLUMN, sqlName } from './sql-names';

export interface RenderedProtection {
  dataset: DatasetName;
  table: string;
  /** Qualified, with its argument list: `smartretail.protect_clients()`. */
  functionSignature: string;
  /** Columns the trigger maintains (digest, blind indexes) and the index of each blind index. */
  supportColumns: string[];
  functionSql: string;
  triggerSql: string;
  keyCheckTriggerSql: string;
}

const clearVar = (c: ColumnSpec) => sqlName(`c_${c.name}`);

/**
 * Erasure: allowed once the data key is gone (the erasure path deletes it first, and writer may
 * not); the tombstone keeps nothing personal, and personal data comes back only by clearing
 * erased_at (a reinstatement), which gives the subject a new data key.
 */
function tombstone(table: string, pk: string, personal: ColumnSpec[], blind: ColumnSpec[]): string {
  const cleared = [
    ...personal.map((c) => c.name),
    ...blind.map((c) => blindIndexColumn(c.name)),
    DIGEST_COLUMN,
  ];
  return `  IF NEW.${ERASED_AT_COLUMN} IS NOT NULL THEN
    IF TG_OP = 'UPDATE' AND OLD.${ERASED_AT_COLUMN} IS NOT NULL
       AND num_nonnulls(${personal.map((c) => `NEW.${c.name}`).join(', ')}) > 0 THEN
      RAISE EXCEPTION ${sqlLiteral(`${table}: erased subject; personal data can come back only by reinstating it (clearing ${ERASED_AT_COLUMN})`)}
        USING ERRCODE = '23514';
    END IF;
    IF EXISTS (SELECT 1 FROM smartretail.client_keys WHERE client_id = NEW.${pk}) THEN
      RAISE EXCEPTION ${sqlLiteral(`${table}: a subject is erased by destroying its data key first (DELETE /clients/{id})`)}
        USING ERRCODE = '23514';
    END IF;
${cleared.map((col) => `    NEW.${col} := NULL;`).join('\n')}
    RETURN NEW;
  END IF;`;
}

/**
 * Reinstatement: clearing erased_at brings a person back, so the database allows it only in a
 * transaction that smartretail.reinstate_clients (admin, audited) authorised for this subject
 * (1795564960000-EnforceErasureInDatabase.ts), whatever the role: the API's refusal alone did
 * not stop a writer in SQL.
 */
function reinstatementGuard(table: string, pk: string): string {
  return `  IF TG_OP = 'UPDATE' AND OLD.${ERASED_AT_COLUMN} IS NOT NULL AND NEW.${ERASED_AT_COLUMN} IS NULL
     AND NOT smartretail.reinstatement_authorized(NEW.${pk}) THEN
    RAISE EXCEPTION ${sqlLiteral(`${table}: an erased subject comes back only through smartretail.reinstate_clients (admin, audited)`)}
      USING ERRCODE = '42501';
  END IF;`;
}

function unchangedUpdate(table: string, personal: ColumnSpec[], blind: ColumnSpec[]): string {
  const same = personal.map((c) => `NEW.${c.name} IS NOT DISTINCT FROM OLD.${c.name}`);
  const keep = [...blind.map((c) => blindIndexColumn(c.name)), DIGEST_COLUMN];
  return `  -- An update that leaves every personal column of ${table} as stored needs neither the key nor crypto.
  IF TG_OP = 'UPDATE'
     AND OLD.${ERASED_AT_COLUMN} IS NULL
     AND ${same.join('\n     AND ')} THEN
${keep.map((col) => `    NEW.${col} := OLD.${col};`).join('\n')}
    RETURN NEW;
  END IF;`;
}

function validations(table: string, personal: ColumnSpec[]): string[] {
  if (personal.some((c) => c.type !== 'text' && c.type !== 'date'))
    throw new Error(
      `${table}: personal columns must be text or date (others are not rendered yet)`,
    );
  return personal.flatMap((c) =>
    valueRules(c).map(
      (rule) => `  IF ${clearVar(c)} IS NOT NULL AND ${rule.sqlViolation(clearVar(c))} THEN
    RAISE EXCEPTION ${sqlLiteral(`${table}.${c.name} ${rule.sqlMessage}`)} USING ERRCODE = ${sqlLiteral(rule.sqlState)};
  END IF;`,
    ),
  );
}

function blindIndexes(blind: ColumnSpec[]): string[] {
  return blind.map((c) => {
    const hash = blindIndexColumn(c.name);
    return `  IF TG_OP = 'INSERT' OR NEW.${c.name} IS DISTINCT FROM OLD.${c.name} THEN
    NEW.${hash} := smartretail.blind_index(${clearVar(c)});
  ELSE
    NEW.${hash} := OLD.${hash};
  END IF;`;
  });
}

/** One random IV per personal value, drawn once per row (gen_random_bytes allows 1,024 bytes). */
const IV_BYTES = 16;

/**
 * Seals a value in the format of migrations/1795564940000-SealPersonalValues.ts, bound to its
 * client by 1795564970000-BindValuesToTheirClient.ts, written out here rather than through a
 * sealing function: a function call per value cost 6 µs a row.
 */
function sealStatement(pk: string, c: ColumnSpec, index: number): string {
  const iv = `substring(iv FROM ${index * IV_BYTES + 1} FOR ${IV_BYTES})`;
  return `  IF smartretail.needs_sealing(NEW.${c.name}, OLD.${c.name}) THEN
    block := smartretail.seal_block(NEW.${c.name}, keys, ${iv});
    NEW.${c.name} := block || smartretail.value_tag(block, keys, NEW.${pk}, ${sqlLiteral(c.name)});
  END IF;`;
}

function functionBody(spec: DatasetSpec, personal: ColumnSpec[]): string {
  const table = sqlName(spec.table);
  const pk = sqlName(spec.primaryKey);
  const blind = personal.filter((c) => c.blindIndex);
  const step = (f: (c: ColumnSpec, i: number) => string) => personal.map(f).join('\n');
  if (personal.length * IV_BYTES > 1024)
    throw new Error(`${table}: too many personal columns for one gen_random_bytes call`);
  return [
    'DECLARE',
    '  dk bytea;',
    '  keys bytea;',
    '  iv bytea;',
    '  block bytea;',
    step((c) => `  ${clearVar(c)} text;`),
    'BEGIN',
    reinstatementGuard(table, pk),
    tombstone(table, pk, personal, blind),
    '',
    unchangedUpdate(table, personal, blind),
    '',
    // The subject's own data key, looked up and unwrapped in one query (the importer creates
    // keys beforehand, set-based); created here on a first write by anyone else, or again on
    // reinstatement.
    `  SELECT smartretail.data_key(NEW.${pk}, wrapped_key, master_key_version) INTO dk
    FROM smartretail.client_keys WHERE client_id = NEW.${pk};
  IF NOT FOUND THEN
    dk := pg_catalog.decode(smartretail.client_data_key(NEW.${pk}), 'hex');
  END IF;
  keys := smartretail.value_keys(dk);
  iv := public.gen_random_bytes(${personal.length * IV_BYTES});`,
    step(
      (c) =>
        `  ${clearVar(c)} := smartretail.clear_text(NEW.${c.name}, OLD.${c.name}, keys, NEW.${pk}, ${sqlLiteral(c.name)});`,
    ),
    '',
    ...validations(table, personal),
    '',
    step((c, i) => sealStatement(pk, c, i)),
    '',
    ...blindIndexes(blind),
    // Same array, same order as the importer's digest (src/imports/dataset-merge-sql.ts).
    `  NEW.${DIGEST_COLUMN} := smartretail.pii_digest(ARRAY[${personal.map(clearVar).join(', ')}]);`,
    '  RETURN NEW;',
    'END',
  ].join('\n');
}

export function renderProtection(catalog: DatasetCatalog, spec: DatasetSpec): RenderedProtection {
  const table = sqlName(spec.table);
  const personal = catalog.personalColumns(spec);
  const fn = `smartretail.${sqlName(`protect_${table}`)}`;
  const supportColumns = [
    `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${DIGEST_COLUMN} bytea`,
    `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${ERASED_AT_COLUMN} timestamptz`,
    ...personal
      .filter((c) => c.blindIndex)
      .flatMap((c) => [
        `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${blindIndexColumn(c.name)} bytea`,
        `CREATE INDEX IF NOT EXISTS ${sqlName(`${table}_${c.name}_hash_idx`)} ON ${table} (${blindIndexColumn(c.name)})`,
      ]),
  ];
  return {
    dataset: spec.name,
    table,
    functionSignature: `${fn}()`,
    supportColumns,
    // enable_seqscan = off: the trigger's plans are cached per session, and a plan made while
    // client_keys was empty and analysed scans the table for each row, however large it grows:
    // psql inserting 20,000 new clients took 22 s instead of 1.4 s. Every query here is a
    // primary-key lookup.
    functionSql: `CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
SET enable_seqscan = off
AS $$
${functionBody(spec, personal)}
$$`,
    triggerSql: `CREATE OR REPLACE TRIGGER ${table}_protect_personal_data
BEFORE INSERT OR UPDATE ON ${table}
FOR EACH ROW EXECUTE FUNCTION ${fn}()`,
    // Once per statement, not per row: see 1795564830000-CreateKeyCheckValues.ts.
    keyCheckTriggerSql: `CREATE OR REPLACE TRIGGER ${table}_refuse_wrong_keys
BEFORE INSERT OR UPDATE ON ${table}
FOR EACH STATEMENT EXECUTE FUNCTION smartretail.refuse_wrong_session_keys()`,
  };
}
