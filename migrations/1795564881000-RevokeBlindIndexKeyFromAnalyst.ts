import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Least privilege on the key functions.
 *
 * `analyst` never computes a blind index (it may not look clients up by e-mail and writes
 * nothing), so it loses EXECUTE on blind_index_key(); the service no longer sets that key in
 * analyst's transactions either.
 *
 * Why analyst keeps EXECUTE on encryption_key(): v_clients_pseudonymised decrypts the columns it
 * generalises (birth year, sexe, ville) through smartretail.decrypt(), a SECURITY INVOKER
 * function. Views run with their owner's rights on tables (security_invoker is off), but
 * PostgreSQL checks EXECUTE on the functions a view calls as the querying role, and decrypt()
 * calls encryption_key() as that role too: revoking it would break analyst's client reads.
 * (Moving the call into a SECURITY DEFINER function would not protect more: the key is in the
 * transaction's settings, readable by the session anyway. What protects it is that the service
 * sets it only in the transactions that decrypt; see role-scoped-transactions.ts.)
 */
export class RevokeBlindIndexKeyFromAnalyst1795564881000 implements MigrationInterface {
  name = 'RevokeBlindIndexKeyFromAnalyst1795564881000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `REVOKE EXECUTE ON FUNCTION smartretail.blind_index_key() FROM analyst`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`GRANT EXECUTE ON FUNCTION smartretail.blind_index_key() TO analyst`);
  }
}
