import { MigrationInterface, QueryRunner } from 'typeorm';

const PERSONAL = ['nom', 'prenom', 'email', 'date_naissance', 'sexe', 'ville'];
const HEADER = `'\\x00535201'::bytea`;

/**
 * Personal values leave OpenPGP for a plain authenticated format, because OpenPGP was the
 * import's largest cost once every client had its own key: pgp_sym_encrypt costs about 4.8 µs a
 * value (S2K, packet framing, a random prefix, SHA-1 MDC), six values a client, against about
 * 1.2 µs for AES-256-CBC plus HMAC-SHA256 (measured: inserting 30,000 clients through the trigger
 * went from 66 to 46 µs a row). Per-client data keys (1795564920000-EnvelopeEncryption.ts) are
 * 32 random bytes, so PGP's salted key stretching protected nothing.
 *
 * A sealed value:  00 53 52 01 | IV (16) | AES-256-CBC, PKCS#7 (data) | tag (16)
 * - the header starts with a NUL byte, which no text value can hold, so a sealed value is never
 *   mistaken for clear text (and 'SR' version 1 leaves room for a next format);
 * - the IV is random (gen_random_bytes, the OS's CSPRNG), one per value;
 * - two keys come from the client's data key, one per purpose: HMAC-SHA256 of a label under the
 *   data key (a PRF keyed with 32 random bytes: HKDF-Expand in one block);
 * - the tag is HMAC-SHA256, truncated to 128 bits, of the header, IV and ciphertext followed by
 *   the column's name: encrypt-then-MAC, checked before anything is decrypted (no padding
 *   oracle), and a value moved to another column or another client does not open. OpenPGP's
 *   MDC detected changes, but not a value moved between a client's columns.
 * A wrong key, or any altered byte, is an error (SQLSTATE 39000, as pgp_sym_decrypt's "Wrong
 * key or corrupt data"), never a wrong clear value or silence.
 *
 * The writers are the protection trigger (rendered by src/database/schema/, which inlines
 * seal_block and value_tag for speed: a function call per value cost 6 µs a row) and this
 * migration's conversion; the one reader is open_value.
 *
 * The existing values are converted in place, in this migration's transaction, with the data
 * keys they already have: each is decrypted (pgp) and sealed. Clients keep their keys, so
 * wrapped keys, the blind index and the unchanged-row digest do not change. That needs the
 * master key in the migrator's session, verified against the key check value first.
 */
export class SealPersonalValues1795564940000 implements MigrationInterface {
  name = 'SealPersonalValues1795564940000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await this.createSealFunctions(queryRunner);
    await this.convertExistingValues(queryRunner);
    await this.replaceEnrolmentProof(queryRunner);
  }

  private async createSealFunctions(queryRunner: QueryRunner): Promise<void> {
    // Inlinable SQL (no STRICT, one statement, declared no less volatile than its body:
    // convert_to/convert_from are STABLE): the trigger and the views call these once per value,
    // where the SQL-function executor would cost more than the cipher. The raising function is
    // STABLE, not IMMUTABLE, so the planner never folds a constant call to it into an error.
    await queryRunner.query(`
      CREATE FUNCTION smartretail.data_key(wrapped bytea, v integer) RETURNS bytea
      LANGUAGE sql STABLE PARALLEL SAFE
      AS $$ SELECT public.decrypt(wrapped, smartretail.master_key(v), 'aes-cbc/pad:none') $$`);
    // 64 bytes: the encryption key, then the authentication key.
    await queryRunner.query(`
      CREATE FUNCTION smartretail.value_keys(data_key bytea) RETURNS bytea
      LANGUAGE sql IMMUTABLE PARALLEL SAFE
      AS $$
        SELECT public.hmac('smartretail value encryption'::bytea, data_key, 'sha256')
            || public.hmac('smartretail value authentication'::bytea, data_key, 'sha256')
      $$`);
    await queryRunner.query(`
      CREATE FUNCTION smartretail.is_sealed(v bytea) RETURNS boolean
      LANGUAGE sql IMMUTABLE PARALLEL SAFE
      AS $$ SELECT substring(v FROM 1 FOR 4) = ${HEADER} $$`);
    // Header, IV and ciphertext; the tag follows (value_tag).
    await queryRunner.query(`
      CREATE FUNCTION smartretail.seal_block(clear bytea, keys bytea, iv bytea) RETURNS bytea
      LANGUAGE sql IMMUTABLE PARALLEL SAFE
      AS $$
        SELECT ${HEADER} || iv
            || public.encrypt_iv(clear, substring(keys FROM 1 FOR 32), iv, 'aes-cbc')
      $$`);
    await queryRunner.query(`
      CREATE FUNCTION smartretail.value_tag(block bytea, keys bytea, label text) RETURNS bytea
      LANGUAGE sql STABLE PARALLEL SAFE
      AS $$
        SELECT substring(public.hmac(block || pg_catalog.convert_to(label, 'UTF8'),
                                     substring(keys FROM 33 FOR 32), 'sha256') FROM 1 FOR 16)
      $$`);
    await queryRunner.query(`
      CREATE FUNCTION smartretail.unopenable_value(label text) RETURNS text
      LANGUAGE plpgsql STABLE PARALLEL SAFE
      AS $$
      BEGIN
        RAISE EXCEPTION 'Wrong key or corrupt data: a % value does not open under its client''s data key', label
          USING ERRCODE = '39000',
                HINT = 'The master key of this transaction is not the one the data key was wrapped under, or the stored value was altered.';
      END
      $$`);
    // 52 bytes at least: header, IV, one block, tag. The tag comparison is memcmp, not
    // constant-time: a writer could time the trigger refusing forged tags, but 16 bytes of
    // memcmp differ by nanoseconds under the noise of a statement, and a forged tag would only
    // store a value that opens to garbage under a key the writer does not know.
    await queryRunner.query(`
      CREATE FUNCTION smartretail.open_value(v bytea, keys bytea, label text) RETURNS text
      LANGUAGE sql STABLE PARALLEL SAFE
      AS $$
        SELECT CASE
          WHEN v IS NULL THEN NULL
          WHEN smartretail.is_sealed(v) AND octet_length(v) >= 52
               AND smartretail.value_tag(substring(v FROM 1 FOR octet_length(v) - 16), keys, label)
                   = substring(v FROM octet_length(v) - 15)
            THEN pg_catalog.convert_from(
                   public.decrypt_iv(substring(v FROM 21 FOR octet_length(v) - 36),
                                     substring(keys FROM 1 FOR 32), substring(v FROM 5 FOR 16),
                                     'aes-cbc'),
                   'UTF8')
          ELSE smartretail.unopenable_value(label)
        END
      $$`);
    // The views' way to a row's keys: see unwrapped_data_key in EnvelopeEncryption for why a
    // PARALLEL SAFE set-returning function (one unwrap per row, in the parallel workers).
    await queryRunner.query(`
      CREATE FUNCTION smartretail.unwrapped_value_keys(wrapped bytea, v integer) RETURNS SETOF bytea
      LANGUAGE plpgsql STABLE PARALLEL SAFE ROWS 1
      AS $$
      DECLARE
        dk bytea := smartretail.data_key(wrapped, v);
      BEGIN
        RETURN NEXT smartretail.value_keys(dk);
      END
      $$`);
    // What the trigger needs of a value being written: its clear text (decrypted when it is
    // carried over or arrives sealed, which also proves it opens under the client's key) ...
    await queryRunner.query(`
      CREATE FUNCTION smartretail.clear_text(new_value bytea, old_value bytea, keys bytea, label text)
      RETURNS text
      LANGUAGE sql STABLE PARALLEL SAFE
      AS $$
        SELECT CASE
          WHEN new_value IS NULL THEN NULL
          WHEN new_value = old_value OR smartretail.is_sealed(new_value)
            THEN smartretail.open_value(new_value, keys, label)
          ELSE pg_catalog.convert_from(new_value, 'UTF8')
        END
      $$`);
    // ... and whether it still has to be sealed (never twice).
    await queryRunner.query(`
      CREATE FUNCTION smartretail.needs_sealing(new_value bytea, old_value bytea) RETURNS boolean
      LANGUAGE sql IMMUTABLE PARALLEL SAFE
      AS $$
        SELECT new_value IS NOT NULL AND new_value IS DISTINCT FROM old_value
           AND NOT smartretail.is_sealed(new_value)
      $$`);
  }

  /** pgp_sym under each client's data key to sealed values under the same key, set-based. */
  private async convertExistingValues(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DO $$
      DECLARE
        k text := coalesce(current_setting('smartretail.encryption_key', true), '');
        stored bytea;
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM public.clients WHERE erased_at IS NULL) THEN
          RETURN;
        END IF;
        IF k = '' THEN
          RAISE EXCEPTION 'smartretail: converting the existing clients'' personal values needs the encryption key; run the migration through the service or npm run migration:run with ENCRYPTION_KEY set'
            USING ERRCODE = 'SRK01';
        END IF;
        SELECT check_value INTO stored FROM smartretail.master_key_versions
         ORDER BY version DESC LIMIT 1;
        IF stored IS DISTINCT FROM smartretail.key_check_value('encryption', k) THEN
          RAISE EXCEPTION 'smartretail: the encryption key of this migration does not match this database''s key; nothing was converted'
            USING ERRCODE = 'SRK03';
        END IF;
      END
      $$`);
    // The block is built once per value (a subquery), then tagged under the column's name.
    await queryRunner.query(`
      CREATE FUNCTION pg_temp.seal_value(clear text, keys bytea, label text) RETURNS bytea
      LANGUAGE sql VOLATILE
      AS $$
        SELECT b.block || smartretail.value_tag(b.block, keys, label)
          FROM (SELECT smartretail.seal_block(pg_catalog.convert_to(clear, 'UTF8'), keys,
                                              public.gen_random_bytes(16)) AS block) b
      $$`);
    // Values, not meaning, change: the row trigger would re-validate and re-digest.
    await queryRunner.query(`ALTER TABLE clients DISABLE TRIGGER clients_protect_personal_data`);
    await queryRunner.query(`ALTER TABLE clients DISABLE TRIGGER clients_refuse_wrong_keys`);
    const reseal = (c: string) =>
      `${c} = pg_temp.seal_value(public.pgp_sym_decrypt(c.${c}, encode(k.dk, 'hex')), k.keys, '${c}')`;
    await queryRunner.query(`
      UPDATE clients c
         SET ${PERSONAL.map(reseal).join(',\n             ')}
        FROM (SELECT client_id, dk, smartretail.value_keys(dk) AS keys
                FROM (SELECT client_id, smartretail.data_key(wrapped_key, master_key_version) AS dk
                        FROM smartretail.client_keys OFFSET 0) u) k
       WHERE k.client_id = c.client_id AND c.erased_at IS NULL`);
    await queryRunner.query(`ALTER TABLE clients ENABLE TRIGGER clients_refuse_wrong_keys`);
    await queryRunner.query(`ALTER TABLE clients ENABLE TRIGGER clients_protect_personal_data`);
    await queryRunner.query(`DROP FUNCTION pg_temp.seal_value(text, bytea, text)`);
  }

  /**
   * Enrolment proves the keys on a database that has clients by opening the first living
   * client's e-mail: now a sealed value. The same function as in EnvelopeEncryption otherwise.
   */
  private async replaceEnrolmentProof(queryRunner: QueryRunner): Promise<void> {
    const current = (await queryRunner.query(
      `SELECT pg_get_functiondef('smartretail.enrol_or_verify_session_keys()'::regprocedure) AS def`,
    )) as { def: string }[];
    const proof = `public.pgp_sym_decrypt(sample.email,
                smartretail.unwrap_data_key(sample.wrapped_key, sample.master_key_version))`;
    if (!current[0].def.includes(proof))
      throw new Error('enrol_or_verify_session_keys() is not the one this migration replaces');
    await queryRunner.query(
      current[0].def.replace(
        proof,
        `smartretail.open_value(sample.email, smartretail.value_keys(
                smartretail.data_key(sample.wrapped_key, sample.master_key_version)), 'email')`,
      ),
    );
  }

  public down(): Promise<void> {
    return Promise.reject(
      new Error('SealPersonalValues cannot be reverted: go forward with a new migration instead'),
    );
  }
}
