/**
 * OpenAPI at /docs (Swagger UI) and /docs-json. Per-dataset record schemas are generated from the
 * catalog (one for the clear view, one for the analyst's view), so the docs follow the model.
 */
import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { datasetCatalog } from '../catalog/dataset-catalog';
import { RECORD_ACCESS, RECORD_READERS, recordVisibility } from '../catalog/record-visibility';

type SchemaObject = NonNullable<NonNullable<OpenAPIObject['components']>['schemas']>[string];

const JSON_TYPES: Record<string, SchemaObject> = {
  integer: { type: 'integer' },
  text: { type: 'string' },
  date: { type: 'string', format: 'date' },
  timestamp: { type: 'string', example: '2024-03-01 10:15:00' },
  money: { type: 'string', pattern: '^\\d+\\.\\d{2}$', example: '12.50' },
};

const pascal = (name: string): string =>
  name.replace(/(^|_)([a-z])/g, (_m, _s, c: string) => c.toUpperCase());

/** One schema per dataset and record-reading role, e.g. ClientsAdminRecord, ClientsAnalystRecord. */
function recordSchemas(): Record<string, SchemaObject> {
  const schemas: Record<string, SchemaObject> = {};
  for (const spec of datasetCatalog.all()) {
    for (const role of RECORD_READERS) {
      const columns = recordVisibility.visibleColumns(spec, role);
      schemas[`${pascal(spec.name)}${pascal(role)}Record`] = {
        type: 'object',
        description: `${spec.title} as ${role} reads it (${RECORD_ACCESS[role]})`,
        properties: Object.fromEntries(columns.map((c) => [c.name, JSON_TYPES[c.type]])),
        required: columns.map((c) => c.name),
      };
    }
  }
  return schemas;
}

/** Records are one of the generated schemas: used by the page's items and the single record. */
function linkRecordSchemas(document: OpenAPIObject, names: string[]): void {
  const anyRecord = { oneOf: names.map((name) => ({ $ref: `#/components/schemas/${name}` })) };
  const page = document.components?.schemas?.RecordPageDto as
    { properties?: Record<string, unknown> } | undefined;
  if (page?.properties) {
    page.properties.items = { ...(page.properties.items as object), items: anyRecord };
  }
  const single = document.paths['/datasets/{dataset}/records/{id}']?.get?.responses?.['200'];
  if (single && 'description' in single) {
    single.content = { 'application/json': { schema: anyRecord } };
  }
}

export function setUpOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('SmartRetail')
    .setDescription(
      'Role-scoped reads of retail data. Get a token with `npm run token -- <role>` and send it ' +
        'as `Authorization: Bearer <token>`.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  const records = recordSchemas();
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, ...records },
  };
  linkRecordSchemas(document, Object.keys(records));
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
