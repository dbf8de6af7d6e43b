import { MigrationInterface, QueryRunner } from 'typeorm';

const OPTS = `'cipher-algo=aes256, s2k-mode=1, s2k-digest-algo=sha256, compress-algo=0'`;
const PERSONAL = ['nom', 'prenom', 'email', 'date_naissance', 'sexe', 'ville'];

/**
 * Envelope encryption: every client gets its own random data key, so one client can be erased
 * for good by destroying one key (crypto-shredding), and the master key can be rotated by
 * re-wrapping 32-byte keys instead of re-encrypting every personal value.
 *
 * - smartretail.client_keys holds each client's data key (gen_random_bytes(32), never derived
 *   from the id), only ever wrapped under a master key, with that master key's version. It is a
 *   table of its own, apart from `clients`: a copy of the clients table (or of its backups)
 *   holds no key at all, and erasure deletes the key row.
 * - The personal columns are pgp_sym ciphertext under the client's data key (same cipher
 *   options as before); the blind index and the unchanged-row digest are HMACs of the clear
 *   values under the blind-index key, so they do not change.
 * - The master key still comes from the transaction (smartretail.encryption_key), never stored.
 *   Its version comes with it (smartretail.encryption_key_version, 1 when unset). During a
 *   rotation the transaction also carries the key being retired
 *   (smartretail.retiring_encryption_key, version - 1), so rows not yet re-wrapped stay readable.
 *
 * Why raw AES for the wrap, not pgp_sym: a data key is 32 random bytes, exactly two AES blocks,
 * so AES-256-CBC without padding is a permutation of random data: nothing to salt, nothing to
 * stretch, and unwrapping costs one cipher call per row (the views unwrap once per row, then
 * decrypt six columns). A zero IV is harmless here because no two data keys are equal. A wrong
 * master key does not fail the unwrap; it yields a wrong data key, which pgp_sym_decrypt then
 * refuses ("Wrong key or corrupt data"): a wrong key never reads as silence.
 *
 * Erasure leaves a tombstone: `erased_at` set, personal columns, blind index and digest NULL,
 * the client_id kept so transactions, loyalty cards and KPIs stay whole. The decrypted and
 * pseudonymised views do not show tombstones.
 *
 * The existing data is converted in place, in this migration's transaction: each client gets a
 * data key and its six values are decrypted under the master key and encrypted under the data
 * key. That needs the master key, which the migrator puts in its session; the key is verified
 * against the database's key check value before anything is touched.
 *
 * The trigger, the views and every privilege are rendered from the catalog by the generated
 * migration that follows (1795564922000-RenderEnvelopeProtectionLayer.ts); both always run in
 * the same migrateDatabase, so no request ever meets the state in between.
 */
export class EnvelopeEncryption1795564920000 implements MigrationInterface {
  name = 'EnvelopeEncryption1795564920000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await this.createKeyTables(queryRunner);
    await this.createKeyFunctions(queryRunner);
    await this.addTombstones(queryRunner);
    await this.convertExistingClients(queryRunner);
    await this.createUnwrapForViews(queryRunner);
    await this.replaceEnrolment(queryRunner);
    await this.createRetirement(queryRunner);
  }

  private async createKeyTables(queryRunner: QueryRunner): Promise<void> {
    // No foreign key to clients: the row trigger creates the key BEFORE its client row exists.
    // A key without a client is 32 random bytes protecting nothing.
    await queryRunner.query(`
      CREATE TABLE smartretail.client_keys (
        client_id          integer PRIMARY KEY,
        wrapped_key        bytea NOT NULL CHECK (octet_length(wrapped_key) = 32),
        master_key_version integer NOT NULL CHECK (master_key_version > 0)
      )`);
    // Rotation looks for the keys still wrapped under an old version.
    await queryRunner.query(`
      CREATE INDEX client_keys_master_key_version_idx
          ON smartretail.client_keys (master_key_version, client_id)`);
    await queryRunner.query(`REVOKE ALL ON smartretail.client_keys FROM PUBLIC`);

    // One check value per master-key version (HMAC of a label, as in key_check_values, never
    // the key). key_check_values' 'encryption' row stays the newest version's.
    await queryRunner.query(`
      CREATE TABLE smartretail.master_key_versions (
        version     integer PRIMARY KEY CHECK (version > 0),
        check_value bytea NOT NULL UNIQUE CHECK (octet_length(check_value) = 32),
        enrolled_at timestamptz NOT NULL DEFAULT now(),
        retired_at  timestamptz
      )`);
    await queryRunner.query(`REVOKE ALL ON smartretail.master_key_versions FROM PUBLIC`);
    await queryRunner.query(`
      INSERT INTO smartretail.master_key_versions (version, check_value, enrolled_at)
      SELECT 1, check_value, enrolled_at FROM smartretail.key_check_values
       WHERE key_name = 'encryption'`);
  }

  private async createKeyFunctions(queryRunner: QueryRunner): Promise<void> {
    // encryption_key() becomes inlinable SQL (same result, same SRK01 error when unset): it is
    // now called once per written row to wrap or unwrap a data key, where a PL/pgSQL call per
    // row cost about 5% of a client import. The error is raised by a function evaluated only
    // when the setting is empty.
    await queryRunner.query(`
      CREATE FUNCTION smartretail.missing_encryption_key() RETURNS text
      LANGUAGE plpgsql STABLE PARALLEL SAFE
      AS $$
      BEGIN
        RAISE EXCEPTION 'smartretail: no encryption key in this transaction; personal data can be neither written nor read'
          USING ERRCODE = 'SRK01',
                HINT = 'The service supplies it per transaction; in psql, SET smartretail.encryption_key first.';
      END
      $$`);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION smartretail.encryption_key() RETURNS text
      LANGUAGE sql STABLE PARALLEL SAFE
      AS $$
        SELECT coalesce(nullif(current_setting('smartretail.encryption_key', true), ''),
                        smartretail.missing_encryption_key())
      $$`);
    await queryRunner.query(`
      CREATE FUNCTION smartretail.encryption_key_version() RETURNS integer
      LANGUAGE sql STABLE PARALLEL SAFE
      AS $$ SELECT coalesce(nullif(current_setting('smartretail.encryption_key_version', true), ''), '1')::integer $$`);

    await queryRunner.query(`
      CREATE FUNCTION smartretail.missing_master_key(v integer) RETURNS text
      LANGUAGE plpgsql STABLE PARALLEL SAFE
      AS $$
      BEGIN
        RAISE EXCEPTION 'smartretail: the master key of version % is not in this transaction; this client''s data key cannot be unwrapped', v
          USING ERRCODE = 'SRK07',
                HINT = 'During a key rotation every instance needs both keys (NEW_ENCRYPTION_KEY); see the README.';
      END
      $$`);

    // The master key of a version, from the transaction: the current one, or the one being
    // retired (version - 1) during a rotation. Inlinable SQL: the plpgsql error is evaluated
    // only when neither matches.
    await queryRunner.query(`
      CREATE FUNCTION smartretail.master_key(v integer) RETURNS bytea
      LANGUAGE sql STABLE PARALLEL SAFE
      AS $$
        SELECT pg_catalog.decode(coalesce(
          CASE v
            WHEN smartretail.encryption_key_version() THEN smartretail.encryption_key()
            WHEN smartretail.encryption_key_version() - 1
              THEN nullif(current_setting('smartretail.retiring_encryption_key', true), '')
          END,
          smartretail.missing_master_key(v)), 'hex')
      $$`);

    await queryRunner.query(`
      CREATE FUNCTION smartretail.wrap_data_key(data_key bytea) RETURNS bytea
      LANGUAGE sql STABLE PARALLEL SAFE
      AS $$
        SELECT public.encrypt(data_key, pg_catalog.decode(smartretail.encryption_key(), 'hex'),
                              'aes-cbc/pad:none')
      $$`);

    // The data key as pgp_sym's passphrase (hex text); NULL for an erased client (no key).
    await queryRunner.query(`
      CREATE FUNCTION smartretail.unwrap_data_key(wrapped bytea, v integer) RETURNS text
      LANGUAGE sql STABLE PARALLEL SAFE
      AS $$
        SELECT CASE WHEN wrapped IS NOT NULL THEN
          pg_catalog.encode(public.decrypt(wrapped, smartretail.master_key(v), 'aes-cbc/pad:none'), 'hex')
        END
      $$`);

    await queryRunner.query(`
      CREATE FUNCTION smartretail.decrypt(v bytea, data_key text) RETURNS text
      LANGUAGE sql STABLE PARALLEL SAFE
      AS $$ SELECT public.pgp_sym_decrypt(v, data_key) $$`);

    // The writer's way to a client's data key: the existing one, or a new random one, wrapped
    // under the transaction's master key. Called once per written row by the trigger.
    await queryRunner.query(`
      CREATE FUNCTION smartretail.client_data_key(p_client_id integer) RETURNS text
      LANGUAGE plpgsql VOLATILE
      SET search_path = pg_catalog, public
      AS $$
      DECLARE
        k record;
        fresh bytea;
      BEGIN
        SELECT wrapped_key, master_key_version INTO k
          FROM smartretail.client_keys WHERE client_id = p_client_id;
        IF FOUND THEN
          RETURN smartretail.unwrap_data_key(k.wrapped_key, k.master_key_version);
        END IF;
        fresh := public.gen_random_bytes(32);
        INSERT INTO smartretail.client_keys (client_id, wrapped_key, master_key_version)
        VALUES (p_client_id, smartretail.wrap_data_key(fresh), smartretail.encryption_key_version());
        RETURN encode(fresh, 'hex');
      END
      $$`);
  }

  private async addTombstones(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE clients ADD COLUMN erased_at timestamptz`);
    for (const column of ['nom', 'prenom', 'email']) {
      await queryRunner.query(`ALTER TABLE clients ALTER COLUMN ${column} DROP NOT NULL`);
    }
    // Required personal columns stay required for every living client.
    await queryRunner.query(`
      ALTER TABLE clients ADD CONSTRAINT clients_personal_data_required
      CHECK (erased_at IS NOT NULL OR (nom IS NOT NULL AND prenom IS NOT NULL AND email IS NOT NULL))`);
    // A tombstone holds nothing personal, not even a keyed hash of it.
    await queryRunner.query(`
      ALTER TABLE clients ADD CONSTRAINT clients_tombstone_holds_nothing
      CHECK (erased_at IS NULL OR num_nonnulls(${PERSONAL.join(', ')}, email_hash, pii_digest) = 0)`);
  }

  /**
   * Old layout (pgp_sym under the master key) to the new one, set-based. The key is checked
   * first: converting under a wrong key would fail half-way at best.
   */
  private async convertExistingClients(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DO $$
      DECLARE
        k text := coalesce(current_setting('smartretail.encryption_key', true), '');
        stored bytea;
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM public.clients) THEN
          RETURN;
        END IF;
        IF k = '' THEN
          RAISE EXCEPTION 'smartretail: converting the existing clients to per-client keys needs the encryption key; run the migration through the service or npm run migration:run with ENCRYPTION_KEY set'
            USING ERRCODE = 'SRK01';
        END IF;
        SELECT check_value INTO stored FROM smartretail.key_check_values WHERE key_name = 'encryption';
        IF stored IS DISTINCT FROM smartretail.key_check_value('encryption', k) THEN
          RAISE EXCEPTION 'smartretail: the encryption key of this migration does not match this database''s key; nothing was converted'
            USING ERRCODE = 'SRK03';
        END IF;
      END
      $$`);
    await queryRunner.query(`
      CREATE TEMP TABLE envelope_new_keys ON COMMIT DROP AS
      SELECT client_id, public.gen_random_bytes(32) AS data_key FROM clients`);
    await queryRunner.query(`
      INSERT INTO smartretail.client_keys (client_id, wrapped_key, master_key_version)
      SELECT client_id, smartretail.wrap_data_key(data_key), smartretail.encryption_key_version()
        FROM envelope_new_keys`);
    // The row trigger would re-validate and re-digest; the values do not change, only their key.
    await queryRunner.query(`ALTER TABLE clients DISABLE TRIGGER clients_protect_personal_data`);
    await queryRunner.query(`ALTER TABLE clients DISABLE TRIGGER clients_refuse_wrong_keys`);
    const reencrypt = (c: string) =>
      `${c} = public.pgp_sym_encrypt(public.pgp_sym_decrypt(c.${c}, m.k), n.dk, ${OPTS})`;
    await queryRunner.query(`
      UPDATE clients c
         SET ${PERSONAL.map(reencrypt).join(',\n             ')}
        FROM (SELECT client_id, encode(data_key, 'hex') AS dk FROM envelope_new_keys) n,
             (SELECT smartretail.encryption_key() AS k) m
       WHERE n.client_id = c.client_id`);
    await queryRunner.query(`ALTER TABLE clients ENABLE TRIGGER clients_refuse_wrong_keys`);
    await queryRunner.query(`ALTER TABLE clients ENABLE TRIGGER clients_protect_personal_data`);
  }

  /**
   * One unwrap per row, in parallel workers. A scalar subquery or a LATERAL (SELECT unwrap(...))
   * is pulled up into the select list, which unwraps once per column; with OFFSET 0 it is not,
   * but its Result node then sits above the Gather and all decryption runs in the leader alone
   * (measured on 60,000 clients: 1.6-1.8 s). A PARALLEL SAFE plpgsql set-returning function
   * is neither inlined nor parallel-restricted: one unwrap per row, decrypted in the workers
   * (1.1 s, as fast as the single-key layout). ROWS 1: the default estimate of 1,000 rows per
   * call made the planner walk clients in key order for a LIMIT instead of using an index.
   */
  private async createUnwrapForViews(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION smartretail.unwrapped_data_key(wrapped bytea, v integer) RETURNS SETOF text
      LANGUAGE plpgsql STABLE PARALLEL SAFE ROWS 1
      AS $$
      BEGIN
        RETURN NEXT smartretail.unwrap_data_key(wrapped, v);
      END
      $$`);
  }

  /**
   * Enrolment now knows master-key versions. A transaction that holds the next version's key
   * and, as the retiring key, the current one, enrols the next version: from then on that key
   * is the one new data keys are wrapped under and the 'encryption' check value is its own.
   */
  private async replaceEnrolment(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION smartretail.enrol_or_verify_session_keys()
      RETURNS TABLE (key_name text, status text)
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      AS $$
      #variable_conflict use_column
      DECLARE
        enc text := coalesce(current_setting('smartretail.encryption_key', true), '');
        retiring text := coalesce(current_setting('smartretail.retiring_encryption_key', true), '');
        ver integer := smartretail.encryption_key_version();
        blind text := coalesce(current_setting('smartretail.blind_index_key', true), '');
        newest smartretail.master_key_versions;
        sample record;
        clear_email text;
        enrolled text[] := '{}';
      BEGIN
        IF enc = '' OR blind = '' THEN
          RAISE EXCEPTION 'smartretail: enrolment needs both keys in this transaction'
            USING ERRCODE = 'SRK06';
        END IF;

        IF (SELECT count(*) FROM smartretail.key_check_values) < 2 THEN
          SELECT c.email, c.email_hash, k.wrapped_key, k.master_key_version INTO sample
            FROM public.clients c JOIN smartretail.client_keys k USING (client_id)
           WHERE c.erased_at IS NULL ORDER BY c.client_id LIMIT 1;
          IF FOUND THEN
            BEGIN
              clear_email := public.pgp_sym_decrypt(sample.email,
                smartretail.unwrap_data_key(sample.wrapped_key, sample.master_key_version));
            EXCEPTION WHEN OTHERS THEN
              RETURN QUERY VALUES ('encryption', 'unproven'), ('blind_index', 'unchecked');
              RETURN;
            END;
            IF sample.email_hash IS DISTINCT FROM smartretail.blind_index(clear_email) THEN
              RETURN QUERY VALUES ('encryption', 'proven'), ('blind_index', 'unproven');
              RETURN;
            END IF;
          END IF;

          WITH inserted AS (
            INSERT INTO smartretail.key_check_values AS v (key_name, check_value)
            VALUES ('encryption', smartretail.key_check_value('encryption', enc)),
                   ('blind_index', smartretail.key_check_value('blind_index', blind))
            ON CONFLICT ON CONSTRAINT key_check_values_pkey DO NOTHING
            RETURNING v.key_name
          )
          SELECT coalesce(array_agg(i.key_name), '{}') INTO enrolled FROM inserted i;
          INSERT INTO smartretail.master_key_versions (version, check_value)
          SELECT ver, check_value FROM smartretail.key_check_values WHERE key_name = 'encryption'
          ON CONFLICT DO NOTHING;
        END IF;

        -- The next version, enrolled by whoever first holds it with the current one as retiring.
        SELECT * INTO newest FROM smartretail.master_key_versions ORDER BY version DESC LIMIT 1;
        IF FOUND AND ver = newest.version + 1 AND retiring <> ''
           AND newest.check_value = smartretail.key_check_value('encryption', retiring) THEN
          PERFORM pg_advisory_xact_lock(727002);
          INSERT INTO smartretail.master_key_versions (version, check_value)
          VALUES (ver, smartretail.key_check_value('encryption', enc))
          ON CONFLICT DO NOTHING;
          UPDATE smartretail.key_check_values v
             SET check_value = smartretail.key_check_value('encryption', enc), enrolled_at = now()
           WHERE v.key_name = 'encryption'
             AND EXISTS (SELECT 1 FROM smartretail.master_key_versions m
                          WHERE m.version = ver AND m.check_value = smartretail.key_check_value('encryption', enc));
          IF FOUND THEN
            enrolled := array_append(enrolled, 'encryption');
          END IF;
        END IF;

        RETURN QUERY
          SELECT s.key_name,
                 CASE WHEN s.key_name = ANY (enrolled) AND s.status = 'match' THEN 'enrolled'
                      WHEN s.key_name = 'encryption' AND s.status = 'match'
                           AND NOT EXISTS (SELECT 1 FROM smartretail.master_key_versions m
                                            WHERE m.version = ver
                                              AND m.check_value = smartretail.key_check_value('encryption', enc))
                        THEN 'mismatch'
                      ELSE s.status END
            FROM smartretail.session_key_status() s;
      END
      $$`);
  }

  /** keys:rotate marks the versions no data key is wrapped under any more as retired. */
  private async createRetirement(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION smartretail.retire_master_key_versions() RETURNS SETOF integer
      LANGUAGE sql VOLATILE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      AS $$
        UPDATE smartretail.master_key_versions m SET retired_at = now()
         WHERE m.retired_at IS NULL
           AND m.version < (SELECT max(version) FROM smartretail.master_key_versions)
           AND NOT EXISTS (SELECT 1 FROM smartretail.client_keys k
                            WHERE k.master_key_version = m.version)
        RETURNING m.version
      $$`);
  }

  public down(): Promise<void> {
    // Going back would mean re-encrypting every client under the master key again, and erased
    // clients cannot come back at all: this migration is one-way.
    return Promise.reject(
      new Error('EnvelopeEncryption cannot be reverted (erased data keys are gone for good)'),
    );
  }
}
