/**
 * Record schemas, generated from the catalog: one `<Dataset>Record` per dataset, and the page
 * of records as a union discriminated by its `dataset` field.
 *
 * Why one schema per dataset rather than one per role: the admin and analyst views of a dataset
 * without personal columns are identical, so per-role alternatives overlap and a `oneOf` over
 * them rejects every such record (it matches two). A record is described once, with every
 * column some role receives; the columns that depend on the role say so and are optional. No
 * column is required, because `select=` may ask for a subset; `additionalProperties: false`
 * still refuses a column the catalog does not have.
 *
 * Why the page is a `oneOf` with a discriminator and the single record an `anyOf`: the page
 * carries `dataset`, which makes its alternatives mutually exclusive and lets code generators
 * build a tagged union. A single record carries nothing that tells its dataset (the path does),
 * and records of different datasets can look alike (`nom` alone), so exactly-one-of cannot hold;
 * `anyOf` is what validators and generators (a plain union type) handle for that.
 */
import type { OpenAPIObject } from '@nestjs/swagger';
import { datasetCatalog } from '../catalog/dataset-catalog';
import { DatasetSpec } from '../catalog/dataset.types';
import { RECORD_READERS, recordVisibility, VisibleColumn } from '../catalog/record-visibility';

export type SchemaObject = NonNullable<NonNullable<OpenAPIObject['components']>['schemas']>[string];

const JSON_TYPES: Record<VisibleColumn['type'], Record<string, unknown>> = {
  integer: { type: 'integer', example: 42 },
  text: { type: 'string' },
  date: { type: 'string', format: 'date', example: '2024-03-01' },
  timestamp: { type: 'string', example: '2024-03-01 10:15:00' },
  money: { type: 'string', pattern: '^-?\\d+\\.\\d{2}$', example: '12.50' },
};

export const pascal = (name: string): string =>
  name.replace(/(^|_)([a-z])/g, (_m, _s, c: string) => c.toUpperCase());

export const recordSchemaName = (spec: DatasetSpec): string => `${pascal(spec.name)}Record`;
const pageSchemaName = (spec: DatasetSpec): string => `${pascal(spec.name)}RecordPage`;
const ref = (name: string): { $ref: string } => ({ $ref: `#/components/schemas/${name}` });

/** Which roles receive each column of a dataset, in catalog order. */
function columnsByRole(spec: DatasetSpec): Map<string, { column: VisibleColumn; roles: string[] }> {
  const columns = new Map<string, { column: VisibleColumn; roles: string[] }>();
  for (const role of RECORD_READERS) {
    for (const column of recordVisibility.visibleColumns(spec, role)) {
      const seen = columns.get(column.name) ?? { column, roles: [] };
      seen.roles.push(role);
      columns.set(column.name, seen);
    }
  }
  return columns;
}

function recordSchema(spec: DatasetSpec): SchemaObject {
  const properties: Record<string, unknown> = {};
  for (const [name, { column, roles }] of columnsByRole(spec)) {
    const source = spec.columns.find((c) => c.name === (column.derivedFrom ?? name));
    const notes = [source?.description ?? name];
    if (column.derivedFrom) notes.push(`derived from ${column.derivedFrom}`);
    if (roles.length < RECORD_READERS.length) notes.push(`received by ${roles.join(', ')} only`);
    properties[name] = {
      ...JSON_TYPES[column.type],
      ...(source?.allowed ? { enum: [...source.allowed] } : {}),
      nullable: !source?.required || undefined,
      description: notes.join('; '),
    };
  }
  return {
    type: 'object',
    description:
      `A record of ${spec.title}. Without select=, a record has every column your role ` +
      'receives (GET /datasets lists them); columns received by some roles only are marked.',
    properties: JSON.parse(JSON.stringify(properties)) as Record<string, SchemaObject>,
    additionalProperties: false,
    minProperties: 1,
  };
}

function pageSchema(spec: DatasetSpec): SchemaObject {
  return {
    type: 'object',
    required: ['dataset', 'items', 'nextCursor'],
    properties: {
      dataset: { type: 'string', enum: [spec.name] },
      items: {
        type: 'array',
        items: ref(recordSchemaName(spec)),
        description: 'Records in primary-key order, with the columns of your role',
      },
      nextCursor: {
        type: 'string',
        nullable: true,
        description: 'Pass as `cursor` to get the next page; null on the last page',
        example: 'eyJkIjoiY2xpZW50cyIsImsiOjUwfQ',
      },
    },
    additionalProperties: false,
  };
}

/**
 * Adds the record and page schemas, makes `RecordPageDto` (the controller's declared type) the
 * discriminated union of the pages, and types the single-record response.
 */
export function addRecordSchemas(document: OpenAPIObject): void {
  const specs = datasetCatalog.all();
  const schemas = (document.components ??= {}).schemas ?? {};
  for (const spec of specs) {
    schemas[recordSchemaName(spec)] = recordSchema(spec);
    schemas[pageSchemaName(spec)] = pageSchema(spec);
  }
  schemas.RecordPageDto = {
    type: 'object',
    description: 'A page of records of one dataset; `dataset` tells which page schema applies',
    oneOf: specs.map((spec) => ref(pageSchemaName(spec))),
    discriminator: {
      propertyName: 'dataset',
      mapping: Object.fromEntries(
        specs.map((spec) => [spec.name, `#/components/schemas/${pageSchemaName(spec)}`]),
      ),
    },
  };
  schemas.AnyRecord = {
    description:
      'A record of the dataset named in the path: the <Dataset>Record schema of that dataset',
    anyOf: specs.map((spec) => ref(recordSchemaName(spec))),
  };
  document.components.schemas = schemas;
  const single = document.paths['/datasets/{dataset}/records/{id}']?.get?.responses?.['200'];
  if (single && 'description' in single) {
    single.content = {
      'application/json': { schema: ref('AnyRecord'), example: ANALYST_CLIENT },
    };
  }
  const page = document.paths['/datasets/{dataset}/records']?.get?.responses?.['200'];
  const json = page && 'content' in page ? page.content?.['application/json'] : undefined;
  if (json) {
    json.example = {
      dataset: 'clients',
      items: [ANALYST_CLIENT],
      nextCursor: 'eyJkIjoiY2xpZW50cyIsImsiOjUwfQ',
    };
  }
}

/** What analyst receives of a client: no name, no e-mail, the birth year only. */
const ANALYST_CLIENT = {
  client_id: 50,
  annee_naissance: 1987,
  sexe: 'F',
  ville: 'Lyon',
  date_inscription: '2023-05-14',
};
