import { Injectable } from '@nestjs/common';
import { notFound } from '../common/domain-error';
import { KpiQueryDto } from './dto/kpi-query.dto';
import { isKpiName, kpiCatalog, KPI_DEFINITIONS, KPI_NAMES, KpiName } from './kpi-definitions';
import { KpisRepository } from './kpis.repository';

export interface KpiResult {
  kpi: KpiName;
  filters: { from: string | null; to: string | null; magasin_id: number | null; limit: number };
  rows: Record<string, unknown>[];
}

@Injectable()
export class KpisService {
  constructor(private readonly repository: KpisRepository) {}

  catalog() {
    return { kpis: kpiCatalog() };
  }

  async read(name: string, query: KpiQueryDto): Promise<KpiResult> {
    if (!isKpiName(name)) {
      throw notFound(`Unknown KPI "${name.slice(0, 40)}"; known KPIs: ${KPI_NAMES.join(', ')}`);
    }
    const from = query.from ?? null;
    const to = query.to ?? null;
    const filters = {
      from,
      to,
      magasin_id: query.magasin_id ?? null,
      limit: query.limit ?? KPI_DEFINITIONS[name].defaultLimit,
    };
    const rows = await this.repository.read(name, { ...filters, magasinId: filters.magasin_id });
    return { kpi: name, filters, rows };
  }
}
