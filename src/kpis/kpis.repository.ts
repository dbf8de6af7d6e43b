import { Injectable } from '@nestjs/common';
import { RoleScopedTransactions } from '../database/role-scoped-transactions';
import { KPI_DEFINITIONS, KpiName } from './kpi-definitions';

export interface KpiFilters {
  from: string | null;
  to: string | null;
  magasinId: number | null;
  limit: number;
}

/**
 * Reads the KPI views. Runs as `analyst`, read only, whoever calls: the views are granted to
 * analyst and hold no personal data, so an admin caller needs nothing more (least privilege).
 */
@Injectable()
export class KpisRepository {
  constructor(private readonly transactions: RoleScopedTransactions) {}

  async read(name: KpiName, filters: KpiFilters): Promise<Record<string, unknown>[]> {
    const { sql } = KPI_DEFINITIONS[name];
    const { rows } = await this.transactions.run(
      { role: 'analyst', readOnly: true, pipelined: true },
      (client) =>
        client.query<Record<string, unknown>>(sql, [
          filters.from,
          filters.to,
          filters.magasinId,
          filters.limit,
        ]),
    );
    return rows;
  }
}
