/**
 * OpenAPI at /docs (Swagger UI) and /docs-json. Per-dataset record schemas are generated from the
 * catalog (one for the clear view, one for the analyst's view), so the docs follow the model.
 */
import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { datasetCatalog } from '../catalog/dataset-catalog';
import { recordVisibility } from '../catalog/record-visibility';
import type { DatabaseRole } from '../database/role-scoped-transactions';

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

function recordSchemas(): Record<string, SchemaObject> {
  const schemas: Record<string, SchemaObject> = {};
  const roles: [DatabaseRole, string][] = [
    ['admin', 'Record'],
    ['analyst', 'AnalystRecord'],
  ];
  for (const spec of datasetCatalog.all()) {
    for (const [role, suffix] of roles) {
      const columns = recordVisibility.visibleColumns(spec, role);
      schemas[`${pascal(spec.name)}${suffix}`] = {
        type: 'object',
        description: `${spec.title} as ${role} reads it`,
        properties: Object.fromEntries(columns.map((c) => [c.name, JSON_TYPES[c.type]])),
      };
    }
  }
  return schemas;
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
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, ...recordSchemas() },
  };
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
