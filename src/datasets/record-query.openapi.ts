/**
 * OpenAPI for the records query string, derived from the catalog: every filter column of every
 * dataset is listed with the datasets that accept it, so the docs cannot drift from validation.
 */
import { applyDecorators } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import { datasetCatalog } from '../catalog/dataset-catalog';
import { recordVisibility } from '../catalog/record-visibility';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './record-query';

function datasetsBy(pick: (name: string) => boolean): Map<string, string[]> {
  const byColumn = new Map<string, string[]>();
  for (const spec of datasetCatalog.all()) {
    for (const c of spec.columns) {
      if (!pick(`${spec.name}.${c.name}`)) continue;
      byColumn.set(c.name, [...(byColumn.get(c.name) ?? []), spec.name]);
    }
  }
  return byColumn;
}

export function ApiRecordQuery(): MethodDecorator {
  const idFilters = new Set(
    datasetCatalog
      .all()
      .flatMap((s) => recordVisibility.idFilters(s).map((c) => `${s.name}.${c.name}`)),
  );
  const lookups = new Set(
    datasetCatalog
      .all()
      .flatMap((s) => recordVisibility.lookupColumns(s).map((c) => `${s.name}.${c.name}`)),
  );
  const dated = datasetCatalog
    .all()
    .filter((s) => s.dateColumn)
    .map((s) => `${s.name} (${s.dateColumn})`)
    .join(', ');
  return applyDecorators(
    ApiQuery({
      name: 'limit',
      required: false,
      schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE },
    }),
    ApiQuery({
      name: 'cursor',
      required: false,
      type: String,
      description: 'The nextCursor of the previous page',
    }),
    ApiQuery({
      name: 'from',
      required: false,
      type: String,
      description: `Inclusive lower bound on the date column, YYYY-MM-DD (date-time allowed on timestamp columns). Datasets: ${dated}`,
    }),
    ApiQuery({
      name: 'to',
      required: false,
      type: String,
      description: `Inclusive upper bound on the date column. Datasets: ${dated}`,
    }),
    ...[...datasetsBy((k) => idFilters.has(k))].map(([column, datasets]) =>
      ApiQuery({
        name: column,
        required: false,
        schema: { type: 'integer', minimum: 1 },
        description: `Equality filter. Datasets: ${datasets.join(', ')}`,
      }),
    ),
    ...[...datasetsBy((k) => lookups.has(k))].map(([column, datasets]) =>
      ApiQuery({
        name: column,
        required: false,
        type: String,
        description: `Exact lookup through the blind index (case and surrounding spaces ignored); roles that see ${column} in clear only. Datasets: ${datasets.join(', ')}`,
      }),
    ),
  );
}
