import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Erasure enforced by the database, for every role, not only by the API (issue 21, part 3).
 *
 * Until now a writer in SQL could undo an erasure: clear `erased_at` and write the person again,
 * or insert a data key for the tombstone, and nothing was audited. From here on:
 * - Bringing an erased client back is an authorisation only `smartretail.reinstate_clients`
 *   grants: SECURITY DEFINER, admin only, audited as 'reinstate' (with the caller's `sub` from
 *   the transaction), valid for the calling transaction alone. The protection trigger (rendered,
 *   src/database/schema/protection-trigger.renderer.ts) refuses to clear `erased_at` without it,
 *   for admin too: the audited function is the one way back.
 * - smartretail.client_keys refuses, per statement, a key inserted or updated for an erased
 *   client without that authorisation (a stray key would make the person readable again).
 *
 * The authorisation is a row of smartretail.reinstatements, which no role may read or write:
 * a setting would not do, since any role may set any custom setting. The trigger asks through
 * smartretail.reinstatement_authorized, which answers for the calling transaction only (so it
 * tells nobody anything about other transactions). Rows of finished transactions are removed by
 * the next reinstatement; they authorise nothing, their transaction id never comes again.
 *
 * The functions are owned by the migration owner, which in managed deployments is NOSUPERUSER
 * CREATEROLE: they touch only objects that owner owns (clients, client_keys, reinstatements,
 * audit_personal_action), never a caller's TEMP table.
 */
export class EnforceErasureInDatabase1795564960000 implements MigrationInterface {
  name = 'EnforceErasureInDatabase1795564960000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE smartretail.reinstatements (
        client_id     integer NOT NULL,
        xact          xid8 NOT NULL,
        authorized_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (xact, client_id)
      )`);
    await queryRunner.query(`REVOKE ALL ON smartretail.reinstatements FROM PUBLIC`);

    // Asked only for rows of erased clients (by the row trigger and the key check below), never
    // for the rows of an ordinary import.
    await queryRunner.query(`
      CREATE FUNCTION smartretail.reinstatement_authorized(p_client_id integer) RETURNS boolean
      LANGUAGE sql STABLE
      SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      AS $$
        SELECT EXISTS (
          SELECT 1 FROM smartretail.reinstatements
           WHERE client_id = p_client_id AND xact = pg_current_xact_id_if_assigned())
      $$`);

    await queryRunner.query(`
      CREATE FUNCTION smartretail.reinstate_clients(
        p_client_ids integer[], p_request_id uuid, p_correlation_id text)
      RETURNS integer
      LANGUAGE plpgsql
      SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      AS $$
      DECLARE
        ids integer[];
        missing integer;
      BEGIN
        IF p_client_ids IS NULL OR cardinality(p_client_ids) = 0
           OR array_position(p_client_ids, NULL) IS NOT NULL THEN
          RAISE EXCEPTION 'reinstate_clients: give the ids of the erased clients to bring back (no NULL)'
            USING ERRCODE = '22023';
        END IF;
        ids := ARRAY(SELECT DISTINCT i FROM unnest(p_client_ids) AS u(i) ORDER BY i);
        -- Locked like an erasure locks them, so an erasure and a reinstatement of one client
        -- are serialised, whichever comes first.
        PERFORM 1 FROM public.clients WHERE client_id = ANY (ids) ORDER BY client_id FOR UPDATE;
        SELECT i INTO missing
          FROM unnest(ids) AS u(i)
         WHERE NOT EXISTS (SELECT 1 FROM public.clients c
                            WHERE c.client_id = u.i AND c.erased_at IS NOT NULL)
         LIMIT 1;
        IF FOUND THEN
          RAISE EXCEPTION 'reinstate_clients: client_id % is not an erased client', missing
            USING ERRCODE = '22023';
        END IF;
        DELETE FROM smartretail.reinstatements
         WHERE pg_xact_status(xact) IS DISTINCT FROM 'in progress';
        INSERT INTO smartretail.reinstatements (client_id, xact)
        SELECT i, pg_current_xact_id() FROM unnest(ids) AS u(i)
        ON CONFLICT DO NOTHING;
        PERFORM smartretail.audit_personal_action('reinstate', 'clients', ids, p_request_id,
                                                  p_correlation_id);
        RETURN cardinality(ids);
      END
      $$`);

    // Per statement, over the statement's new rows: the importer inserts thousands of keys at
    // once (new clients, which no clients row matches yet). Each query of a VOLATILE function
    // sees what committed before it, so in READ COMMITTED a key inserted after an erasure
    // committed is refused even when the inserting statement began before. A REPEATABLE READ
    // transaction would still see the client alive, from its older snapshot: locking the
    // client's row makes it fail instead ("could not serialize access due to concurrent
    // update"). Only inserts lock, and only rows of existing clients, which have no key unless
    // erased: new clients match no row, and key rotation (an UPDATE) locks nothing.
    await queryRunner.query(`
      CREATE FUNCTION smartretail.refuse_keys_of_erased_clients() RETURNS trigger
      LANGUAGE plpgsql
      SET search_path = pg_catalog
      AS $$
      DECLARE
        erased integer;
      BEGIN
        IF TG_OP = 'INSERT' THEN
          PERFORM 1 FROM new_keys k JOIN public.clients c ON c.client_id = k.client_id
            FOR SHARE OF c;
        END IF;
        SELECT c.client_id INTO erased
          FROM new_keys k JOIN public.clients c ON c.client_id = k.client_id
         WHERE c.erased_at IS NOT NULL
           AND NOT smartretail.reinstatement_authorized(c.client_id)
         LIMIT 1;
        IF FOUND THEN
          RAISE EXCEPTION 'client_keys: client % is erased; a data key comes back only with a reinstatement (smartretail.reinstate_clients, admin)', erased
            USING ERRCODE = '42501';
        END IF;
        RETURN NULL;
      END
      $$`);
    // Transition tables allow one event per trigger.
    for (const event of ['INSERT', 'UPDATE']) {
      await queryRunner.query(`
        CREATE TRIGGER client_keys_refuse_erased_${event.toLowerCase()}
        AFTER ${event} ON smartretail.client_keys
        REFERENCING NEW TABLE AS new_keys
        FOR EACH STATEMENT EXECUTE FUNCTION smartretail.refuse_keys_of_erased_clients()`);
    }
    await queryRunner.query(
      `REVOKE ALL ON FUNCTION smartretail.reinstatement_authorized(integer) FROM PUBLIC`,
    );
    await queryRunner.query(
      `GRANT EXECUTE ON FUNCTION smartretail.reinstatement_authorized(integer) TO admin, writer`,
    );
    await queryRunner.query(
      `REVOKE ALL ON FUNCTION smartretail.reinstate_clients(integer[], uuid, text) FROM PUBLIC`,
    );
    await queryRunner.query(
      `GRANT EXECUTE ON FUNCTION smartretail.reinstate_clients(integer[], uuid, text) TO admin`,
    );
    await queryRunner.query(
      `REVOKE ALL ON FUNCTION smartretail.refuse_keys_of_erased_clients() FROM PUBLIC`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const event of ['insert', 'update']) {
      await queryRunner.query(
        `DROP TRIGGER client_keys_refuse_erased_${event} ON smartretail.client_keys`,
      );
    }
    await queryRunner.query(`DROP FUNCTION smartretail.refuse_keys_of_erased_clients()`);
    await queryRunner.query(`DROP FUNCTION smartretail.reinstate_clients(integer[], uuid, text)`);
    await queryRunner.query(`DROP FUNCTION smartretail.reinstatement_authorized(integer)`);
    await queryRunner.query(`DROP TABLE smartretail.reinstatements`);
  }
}
