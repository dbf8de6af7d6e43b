import { Injectable } from '@nestjs/common';
import { Caller } from '../auth/caller';
import { encodeCursor } from '../common/keyset-cursor';
import { RoleScopedTransactions } from '../database/role-scoped-transactions';
import { DEFAULT_PAGE_SIZE } from '../common/query/page-size';
import { AuditRepository } from './audit.repository';
import { AuditPageDto } from './dto/audit-page.dto';
import { AUDIT_CURSOR_SCOPE, AuditQueryDto } from './dto/audit-query.dto';

@Injectable()
export class AuditService {
  constructor(
    private readonly transactions: RoleScopedTransactions,
    private readonly audit: AuditRepository,
  ) {}

  async list(caller: Caller, query: AuditQueryDto): Promise<AuditPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const before = query.cursor;
    const rows = await this.transactions.run(
      { role: caller.role, readOnly: true, claims: caller.claims, keys: 'none' },
      (client) =>
        this.audit.list(client, { limit, before, sub: query.sub, from: query.from, to: query.to }),
    );
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor:
        rows.length > limit && last ? encodeCursor(AUDIT_CURSOR_SCOPE, last.auditId) : null,
    };
  }
}
