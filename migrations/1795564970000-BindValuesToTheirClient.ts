import { MigrationInterface, QueryRunner } from 'typeorm';

const PERSONAL = ['nom', 'prenom', 'email', 'date_naissance', 'sexe', 'ville'];
const VALUE_HEADER = `'\\x00535202'::bytea`;
const WRAP_HEADER = `'\\x00534b02'::bytea`;

/** The KDF's input blocks `first`..`last` for `label` (14 ASCII bytes), as a bytea literal. */
function kdfBlocks(label: string, first: number, last: number): string {
  if (Buffer.byteLength(label, 'ascii') !== 14) throw new Error(`${label}: not 14 bytes`);
  const blocks = [];
  for (let i = first; i <= last; i++)
    blocks.push(Buffer.concat([Buffer.from(label, 'ascii'), Buffer.from([2, i])]).toString('hex'));
  return `'\\x${blocks.join('')}'::bytea`;
}
const VALUE_KEY_BLOCKS = kdfBlocks('smartretail.vk', 1, 4);
const WRAP_ENCRYPTION_BLOCKS = kdfBlocks('smartretail.wk', 1, 2);
const WRAP_AUTHENTICATION_BLOCKS = kdfBlocks('smartretail.wk', 3, 4);

/**
 * Binds every personal value and every wrapped data key to its client (format version 2), so a
 * value or a wrapped key moved to another client is an error: before, someone with database
 * access but no key (a superuser, or session_replication_role = replica, which skips the
 * triggers) could swap two clients' wrapped keys and ciphertexts, and the service served one
 * client's personal data as the other's. Neither the tag nor the wrap covered the client id.
 *
 * Format 2, byte for byte (what #19 reproduces in node:crypto; test/support/sealed-value.ts
 * implements it apart from this SQL, and test/database/client-bound-values.spec.ts checks both
 * ways):
 *
 * KDF(K, label) = AES-256-ECB_K(B1 || B2 || B3 || B4), Bi = label (14 ASCII bytes) || 02 || i:
 *   64 bytes, the first 32 the encryption key, the last 32 the authentication key. AES under a
 *   uniformly random 256-bit key as a PRF on four fixed blocks, as AES-GCM-SIV derives its keys
 *   (RFC 8452, section 4). One AES call instead of format 1's two HMAC-SHA256 calls (0.7 µs
 *   against 2.9 µs here): it pays for checking the wrap's tag on every row read.
 *
 * Wrapped data key, in smartretail.client_keys.wrapped_key (52 bytes):
 *   00 53 4B 02 | AES-256-CBC, no padding, zero IV (32) | tag (16)
 *   (kek_enc, kek_mac) = KDF(master key of the row's master_key_version, 'smartretail.wk')
 *   ciphertext = AES-256-CBC(kek_enc, IV = 16 zero bytes, data key), no padding
 *   tag = HMAC-SHA256(kek_mac, int64be(client_id) || 00 53 4B 02 || ciphertext), first 16 bytes
 *   The zero IV stays harmless: data keys are 32 random bytes, never two alike. The master key
 *   is no longer an AES key of its own: wrapping keys are derived from it (the key check value
 *   is an HMAC under its hex text, another domain).
 *
 * Sealed value, in the personal columns:
 *   00 53 52 02 | IV (16) | AES-256-CBC, PKCS#7 (enc, IV, UTF-8 clear text) | tag (16)
 *   (enc, mac) = KDF(data key, 'smartretail.vk'); IV random (gen_random_bytes), one per value
 *   tag = HMAC-SHA256(mac, int64be(client_id) || uint16be(byte length of label) || label
 *                          || 00 53 52 02 || IV || ciphertext), first 16 bytes
 *   label = the column's name, UTF-8 (at most 63 bytes, a PostgreSQL identifier)
 *
 * The client id is a fixed-width, big-endian, two's-complement int64 (PostgreSQL's int8send,
 * Node's writeBigInt64BE), not its decimal text: fixed width makes the concatenation
 * unambiguous without separators, there is no canonical-form question (leading zeros, signs,
 * locales), and a bigint key later changes nothing. The context (client id, length-prefixed
 * label) comes first, so no two (client, column, value) triples give the same tagged bytes.
 * The tag is checked before anything is decrypted (encrypt-then-MAC: no padding oracle), over
 * the header too, so a version cannot be swapped for another.
 *
 * Version 1 (00 53 52 01, tag without the client id, unauthenticated 32-byte wraps) is no
 * longer opened: this migration re-seals every value and re-wraps every key, so none remains,
 * and accepting one would accept exactly the unbound values this change is about. A value of
 * any version still reads as sealed (is_sealed checks 00 53 52), so a version-1 value written
 * later is refused as unopenable, never stored as if it were clear text.
 *
 * A value or a wrapped key that does not open raises SQLSTATE 39000, "Wrong key or corrupt
 * data", naming the client id and the column (never the value or a key).
 *
 * Converted in place, in this migration's transaction, under the same data keys (erasure keeps
 * its meaning, the blind index and the digest do not change): each key is re-wrapped, then
 * each value opened as format 1 and sealed as format 2. That needs the master key in the
 * migrator's session, verified against the key check value first. The views depend on the
 * functions replaced here, so they are dropped here and created again, calling the new ones,
 * by the generated migration that follows (1795564995000-RenderClientBoundProtectionLayer.ts),
 * in the same migrateDatabase; the trigger is replaced there too.
 *
 * Measured (README, "Sealed values"): the trigger's cost per inserted row and a decrypted read
 * of 30,000 clients, before and after, in the same run.
 */
export class BindValuesToTheirClient1795564970000 implements MigrationInterface {
  name = 'BindValuesToTheirClient1795564970000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await this.refuseWithoutTheMasterKey(queryRunner);
    await this.createWrapFunctions(queryRunner);
    await this.createValueFunctions(queryRunner);
    await queryRunner.query(`DROP VIEW v_clients_pseudonymised, v_clients_decrypted`);
    await this.convert(queryRunner);
    await this.replaceKeyUsers(queryRunner);
    await this.dropFormatOne(queryRunner);
  }

  private async refuseWithoutTheMasterKey(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DO $$
      DECLARE
        k text := coalesce(current_setting('smartretail.encryption_key', true), '');
        stored bytea;
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM smartretail.client_keys) THEN
          RETURN;
        END IF;
        IF k = '' THEN
          RAISE EXCEPTION 'smartretail: binding the existing clients'' values and data keys to their client needs the encryption key; run the migration through the service or npm run migration:run with ENCRYPTION_KEY set'
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
  }

  /**
   * Inlinable SQL, as in SealPersonalValues: one statement, no STRICT. Each derived key is one
   * AES call of its own: an inlined function whose costly argument is used twice is not inlined.
   */
  private async createWrapFunctions(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION smartretail.unopenable_data_key(client_id integer) RETURNS bytea
      LANGUAGE plpgsql STABLE PARALLEL SAFE
      AS $$
      BEGIN
        RAISE EXCEPTION 'Wrong key or corrupt data: the data key of client % does not open under its master key', client_id
          USING ERRCODE = '39000',
                HINT = 'The master key of this transaction is not the one the data key was wrapped under, or the stored key was altered or belongs to another client.';
      END
      $$`);
    // PL/pgSQL: the wrap's ciphertext is both the output and the tag's input, and an SQL
    // function using its random argument twice is not inlined. Called once per new data key.
    await queryRunner.query(`
      CREATE FUNCTION smartretail.wrap_data_key(client_id integer, data_key bytea) RETURNS bytea
      LANGUAGE plpgsql STABLE PARALLEL SAFE
      AS $$
      DECLARE
        master bytea := smartretail.master_key(smartretail.encryption_key_version());
        block bytea := ${WRAP_HEADER} || public.encrypt(data_key,
          public.encrypt(${WRAP_ENCRYPTION_BLOCKS}, master, 'aes-ecb/pad:none'), 'aes-cbc/pad:none');
      BEGIN
        RETURN block || substring(public.hmac(pg_catalog.int8send(client_id::bigint) || block,
          public.encrypt(${WRAP_AUTHENTICATION_BLOCKS}, master, 'aes-ecb/pad:none'), 'sha256') FROM 1 FOR 16);
      END
      $$`);
    await queryRunner.query(`
      CREATE FUNCTION smartretail.data_key(client_id integer, wrapped bytea, v integer) RETURNS bytea
      LANGUAGE sql STABLE PARALLEL SAFE
      AS $$
        SELECT CASE
          WHEN octet_length(wrapped) = 52 AND substring(wrapped FROM 1 FOR 4) = ${WRAP_HEADER}
               AND substring(public.hmac(pg_catalog.int8send(client_id::bigint) || substring(wrapped FROM 1 FOR 36),
                                         public.encrypt(${WRAP_AUTHENTICATION_BLOCKS}, smartretail.master_key(v), 'aes-ecb/pad:none'),
                                         'sha256') FROM 1 FOR 16)
                   = substring(wrapped FROM 37)
            THEN public.decrypt(substring(wrapped FROM 5 FOR 32),
                                public.encrypt(${WRAP_ENCRYPTION_BLOCKS}, smartretail.master_key(v), 'aes-ecb/pad:none'),
                                'aes-cbc/pad:none')
          ELSE smartretail.unopenable_data_key(client_id)
        END
      $$`);
  }

  private async createValueFunctions(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION smartretail.unopenable_value(client_id integer, label text) RETURNS text
      LANGUAGE plpgsql STABLE PARALLEL SAFE
      AS $$
      BEGIN
        RAISE EXCEPTION 'Wrong key or corrupt data: a % value of client % does not open under its data key', label, client_id
          USING ERRCODE = '39000',
                HINT = 'The master key of this transaction is not the one the data key was wrapped under, or the stored value was altered or belongs to another client or column.';
      END
      $$`);
    await queryRunner.query(`
      CREATE FUNCTION smartretail.value_tag(block bytea, keys bytea, client_id integer, label text)
      RETURNS bytea
      LANGUAGE sql STABLE PARALLEL SAFE
      AS $$
        SELECT substring(public.hmac(pg_catalog.int8send(client_id::bigint)
                                     || pg_catalog.int2send(octet_length(label)::smallint)
                                     || pg_catalog.convert_to(label, 'UTF8') || block,
                                     substring(keys FROM 33 FOR 32), 'sha256') FROM 1 FOR 16)
      $$`);
    // 52 bytes at least: header, IV, one block, tag. Only format 2 opens (see the header).
    await queryRunner.query(`
      CREATE FUNCTION smartretail.open_value(v bytea, keys bytea, client_id integer, label text)
      RETURNS text
      LANGUAGE sql STABLE PARALLEL SAFE
      AS $$
        SELECT CASE
          WHEN v IS NULL THEN NULL
          WHEN substring(v FROM 1 FOR 4) = ${VALUE_HEADER} AND octet_length(v) >= 52
               AND smartretail.value_tag(substring(v FROM 1 FOR octet_length(v) - 16), keys, client_id, label)
                   = substring(v FROM octet_length(v) - 15)
            THEN pg_catalog.convert_from(
                   public.decrypt_iv(substring(v FROM 21 FOR octet_length(v) - 36),
                                     substring(keys FROM 1 FOR 32), substring(v FROM 5 FOR 16),
                                     'aes-cbc'),
                   'UTF8')
          ELSE smartretail.unopenable_value(client_id, label)
        END
      $$`);
    await queryRunner.query(`
      CREATE FUNCTION smartretail.unwrapped_value_keys(client_id integer, wrapped bytea, v integer)
      RETURNS SETOF bytea
      LANGUAGE plpgsql STABLE PARALLEL SAFE ROWS 1
      AS $$
      DECLARE
        dk bytea := smartretail.data_key(client_id, wrapped, v);
      BEGIN
        RETURN NEXT smartretail.value_keys(dk);
      END
      $$`);
    await queryRunner.query(`
      CREATE FUNCTION smartretail.clear_text(new_value bytea, old_value bytea, keys bytea,
                                             client_id integer, label text)
      RETURNS text
      LANGUAGE sql STABLE PARALLEL SAFE
      AS $$
        SELECT CASE
          WHEN new_value IS NULL THEN NULL
          WHEN new_value = old_value OR smartretail.is_sealed(new_value)
            THEN smartretail.open_value(new_value, keys, client_id, label)
          ELSE pg_catalog.convert_from(new_value, 'UTF8')
        END
      $$`);
  }

  /** Keys re-wrapped first, then values opened as format 1 and sealed as format 2, set-based. */
  private async convert(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE smartretail.client_keys DROP CONSTRAINT client_keys_wrapped_key_check`,
    );
    // Format 1's unwrap, written out: the last use of the master key as an AES key.
    await queryRunner.query(`
      UPDATE smartretail.client_keys
         SET wrapped_key = smartretail.wrap_data_key(client_id,
               public.decrypt(wrapped_key, smartretail.master_key(master_key_version), 'aes-cbc/pad:none')),
             master_key_version = smartretail.encryption_key_version()`);
    await queryRunner.query(`
      ALTER TABLE smartretail.client_keys ADD CONSTRAINT client_keys_wrapped_key_check
      CHECK (octet_length(wrapped_key) = 52)`);
    await queryRunner.query(`
      CREATE FUNCTION pg_temp.seal_value(clear text, keys bytea, client_id integer, label text)
      RETURNS bytea
      LANGUAGE sql VOLATILE
      AS $$
        SELECT b.block || smartretail.value_tag(b.block, keys, client_id, label)
          FROM (SELECT ${VALUE_HEADER} || iv
                       || public.encrypt_iv(pg_catalog.convert_to(clear, 'UTF8'),
                                            substring(keys FROM 1 FOR 32), iv, 'aes-cbc') AS block
                  FROM (SELECT public.gen_random_bytes(16) AS iv) r) b
      $$`);
    await queryRunner.query(`ALTER TABLE clients DISABLE TRIGGER clients_protect_personal_data`);
    await queryRunner.query(`ALTER TABLE clients DISABLE TRIGGER clients_refuse_wrong_keys`);
    // Format 1's value keys, written out (value_keys is replaced below), opened by format 1's
    // open_value, which also checks format 1's tags.
    const reseal = (c: string) =>
      `${c} = pg_temp.seal_value(smartretail.open_value(c.${c}, k.v1, '${c}'), k.v2, c.client_id, '${c}')`;
    await queryRunner.query(`
      UPDATE clients c
         SET ${PERSONAL.map(reseal).join(',\n             ')}
        FROM (SELECT client_id,
                     public.hmac('smartretail value encryption'::bytea, dk, 'sha256')
                       || public.hmac('smartretail value authentication'::bytea, dk, 'sha256') AS v1,
                     public.encrypt(${VALUE_KEY_BLOCKS}, dk, 'aes-ecb/pad:none') AS v2
                FROM (SELECT client_id, smartretail.data_key(client_id, wrapped_key, master_key_version) AS dk
                        FROM smartretail.client_keys OFFSET 0) u) k
       WHERE k.client_id = c.client_id AND c.erased_at IS NULL`);
    await queryRunner.query(`ALTER TABLE clients ENABLE TRIGGER clients_refuse_wrong_keys`);
    await queryRunner.query(`ALTER TABLE clients ENABLE TRIGGER clients_protect_personal_data`);
    await queryRunner.query(`DROP FUNCTION pg_temp.seal_value(text, bytea, integer, text)`);
  }

  /** The same signatures, format 2's bodies; and the callers of the functions dropped below. */
  private async replaceKeyUsers(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION smartretail.value_keys(data_key bytea) RETURNS bytea
      LANGUAGE sql IMMUTABLE PARALLEL SAFE
      AS $$ SELECT public.encrypt(${VALUE_KEY_BLOCKS}, data_key, 'aes-ecb/pad:none') $$`);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION smartretail.seal_block(clear bytea, keys bytea, iv bytea) RETURNS bytea
      LANGUAGE sql IMMUTABLE PARALLEL SAFE
      AS $$
        SELECT ${VALUE_HEADER} || iv
            || public.encrypt_iv(clear, substring(keys FROM 1 FOR 32), iv, 'aes-cbc')
      $$`);
    // Any version: a sealed value is never taken for clear text, and only format 2 opens.
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION smartretail.is_sealed(v bytea) RETURNS boolean
      LANGUAGE sql IMMUTABLE PARALLEL SAFE
      AS $$ SELECT substring(v FROM 1 FOR 3) = '\\x005352'::bytea $$`);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION smartretail.client_data_key(p_client_id integer) RETURNS text
      LANGUAGE plpgsql VOLATILE
      SET search_path = pg_catalog, public
      SET enable_seqscan = off
      AS $$
      DECLARE
        k record;
        fresh bytea;
      BEGIN
        SELECT wrapped_key, master_key_version INTO k
          FROM smartretail.client_keys WHERE client_id = p_client_id;
        IF FOUND THEN
          RETURN encode(smartretail.data_key(p_client_id, k.wrapped_key, k.master_key_version), 'hex');
        END IF;
        fresh := public.gen_random_bytes(32);
        INSERT INTO smartretail.client_keys (client_id, wrapped_key, master_key_version)
        VALUES (p_client_id, smartretail.wrap_data_key(p_client_id, fresh), smartretail.encryption_key_version());
        RETURN encode(fresh, 'hex');
      END
      $$`);
    await this.replaceEnrolmentProof(queryRunner);
  }

  /** Enrolment proves the keys by opening the first living client's e-mail: now format 2. */
  private async replaceEnrolmentProof(queryRunner: QueryRunner): Promise<void> {
    const current = (await queryRunner.query(
      `SELECT pg_get_functiondef('smartretail.enrol_or_verify_session_keys()'::regprocedure) AS def`,
    )) as { def: string }[];
    const replacements: [string, string][] = [
      [
        'SELECT c.email, c.email_hash, k.wrapped_key, k.master_key_version INTO sample',
        'SELECT c.client_id, c.email, c.email_hash, k.wrapped_key, k.master_key_version INTO sample',
      ],
      [
        `smartretail.open_value(sample.email, smartretail.value_keys(
                smartretail.data_key(sample.wrapped_key, sample.master_key_version)), 'email')`,
        `smartretail.open_value(sample.email, smartretail.value_keys(
                smartretail.data_key(sample.client_id, sample.wrapped_key, sample.master_key_version)),
                sample.client_id, 'email')`,
      ],
    ];
    let def = current[0].def;
    for (const [from, to] of replacements) {
      if (!def.includes(from))
        throw new Error('enrol_or_verify_session_keys() is not the one this migration replaces');
      def = def.replace(from, to);
    }
    await queryRunner.query(def);
  }

  /** Format 1's functions: nothing may open, write or wrap without the client id any more. */
  private async dropFormatOne(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP FUNCTION smartretail.open_value(bytea, bytea, text), smartretail.value_tag(bytea, bytea, text),
                    smartretail.unopenable_value(text), smartretail.clear_text(bytea, bytea, bytea, text),
                    smartretail.unwrapped_value_keys(bytea, integer), smartretail.data_key(bytea, integer),
                    smartretail.unwrap_data_key(bytea, integer), smartretail.wrap_data_key(bytea)`);
  }

  public down(): Promise<void> {
    return Promise.reject(
      new Error(
        'BindValuesToTheirClient cannot be reverted: go forward with a new migration instead',
      ),
    );
  }
}
