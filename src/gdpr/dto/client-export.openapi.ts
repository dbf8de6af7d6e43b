/**
 * JSON schemas of the exported records, derived from the same catalog tree as the export's SQL
 * (client-export-plan.ts), so the documented shape cannot drift from what is sent.
 */
import type { ApiPropertyOptions, SchemaObject } from '@nestjs/swagger';
import { datasetCatalog } from '../../catalog/dataset-catalog';
import { ColumnType, DatasetSpec } from '../../catalog/dataset.types';
import { clientExportPlan, ExportBranch } from '../client-export-plan';

const VALUE_SCHEMAS: Record<ColumnType, SchemaObject> = {
  integer: { type: 'integer' },
  text: { type: 'string' },
  date: { type: 'string', format: 'date' },
  timestamp: { type: 'string', example: '2024-02-29 10:00:00' },
  money: { type: 'string', pattern: '^-?\\d+\\.\\d{2}$', example: '12.50' },
};

function rowSchema(spec: DatasetSpec, children: ExportBranch[]): SchemaObject {
  const properties: Record<string, SchemaObject> = {};
  for (const c of spec.columns) {
    properties[c.name] = {
      ...VALUE_SCHEMAS[c.type],
      description: c.description,
      ...(c.required ? {} : { nullable: true }),
    };
  }
  for (const child of children) properties[child.spec.name] = branchSchema(child);
  return {
    type: 'object',
    description: spec.title,
    properties,
    required: Object.keys(properties),
    additionalProperties: false,
  };
}

function branchSchema(branch: ExportBranch): SchemaObject {
  return {
    type: 'array',
    description: `${branch.spec.title} whose ${branch.foreignKey} is this record's, by ${branch.spec.primaryKey}`,
    items: rowSchema(branch.spec, branch.children),
  };
}

const plan = clientExportPlan(datasetCatalog);

/** The branches of the export, by dataset name: what ClientExportDto must document. */
export const exportedDatasets = (): string[] => plan.branches.map((b) => b.spec.name);

// The decorator's option type narrows SchemaObject's `type` and `required`; these are plain
// JSON schemas, valid as they are.
export const exportedClientSchema = (): ApiPropertyOptions =>
  ({
    ...rowSchema(plan.subject, []),
    description: 'The client, personal columns in clear',
  }) as ApiPropertyOptions;

export const exportedBranchSchema = (dataset: string): ApiPropertyOptions => {
  const branch = plan.branches.find((b) => b.spec.name === dataset);
  if (!branch) throw new Error(`the catalog exports no dataset ${dataset} about a client`);
  return branchSchema(branch) as ApiPropertyOptions;
};
