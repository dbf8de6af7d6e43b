import { Injectable } from '@nestjs/common';
import { AuditRepository } from '../audit/audit.repository';
import type { Caller } from '../auth/caller';
import { notFound } from '../common/domain-error';
import { RoleScopedTransactions } from '../database/role-scoped-transactions';
import { ClientErasureRepository } from './client-erasure.repository';

@Injectable()
export class ClientErasureService {
  constructor(
    private readonly transactions: RoleScopedTransactions,
    private readonly erasures: ClientErasureRepository,
    private readonly audit: AuditRepository,
  ) {}

  /**
   * Erases a client for good, with its audit row, in one transaction. Idempotent: erasing an
   * erased client changes nothing and succeeds again (audited again, as a request to erase);
   * an id that never existed is a 404.
   */
  async erase(caller: Caller, clientId: number): Promise<void> {
    const outcome = await this.transactions.run(
      { role: caller.role, claims: caller.claims },
      async (client) => {
        const result = await this.erasures.erase(client, clientId);
        if (result !== 'unknown') {
          await this.audit.recordPersonalAction(client, 'erase', 'clients', [clientId], caller);
        }
        return result;
      },
    );
    if (outcome === 'unknown') throw notFound(`no client with client_id = ${clientId}`);
  }
}
