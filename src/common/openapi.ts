/**
 * OpenAPI at /docs (Swagger UI) and /docs-json. The controllers' decorators describe each route;
 * what follows from the catalog (record schemas) and from the access guard and the exception
 * filter (security, 401/403/429/400/500, the error body) is added here, from the same sources
 * the behaviour comes from. `npm run openapi:lint` lints this document with Redocly.
 */
import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { addRecordSchemas } from './openapi-records';
import { addAccessAndErrorResponses, BEARER } from './openapi-responses';

const TAGS: [string, string][] = [
  ['health', 'Liveness and readiness probes (public, for orchestrators)'],
  ['imports', 'CSV imports into the database: uploads, the import history and rejections'],
  ['datasets', 'The dataset catalog and role-scoped reads of records, with keyset pagination'],
  ['audit', 'Who read clear personal data, when, and which records (admin only)'],
  ['kpis', 'Business KPIs computed by the database, aggregated (no personal data)'],
  ['observability', 'Prometheus metrics'],
];

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('SmartRetail')
    .setDescription(
      'Role-scoped reads of retail data. Get a token with `npm run token -- <role>` and send it ' +
        'as `Authorization: Bearer <token>`. Errors are JSON: `statusCode`, `error`, `message`, ' +
        '`requestId`.',
    )
    .setVersion('1')
    // The service is private (package.json: UNLICENSED); the URL says what that means.
    .setLicense(
      'UNLICENSED (proprietary, all rights reserved)',
      'https://docs.npmjs.com/cli/v11/configuring-npm/package-json#license',
    )
    .addServer('/', 'This service, wherever it is deployed (same origin as these docs)')
    .addServer('http://{host}:{port}', 'A service you name (`npm start`: 127.0.0.1, PORT 3000)', {
      host: { default: '127.0.0.1', description: 'Host name or address' },
      port: { default: '3000', description: 'PORT of the service' },
    })
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, BEARER)
    .addSecurityRequirements(BEARER);
  for (const [name, description] of TAGS) builder.addTag(name, description);
  const document = SwaggerModule.createDocument(app, builder.build());
  addRecordSchemas(document);
  addAccessAndErrorResponses(app, document);
  return document;
}

export function setUpOpenApi(app: INestApplication): void {
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app), { jsonDocumentUrl: 'docs-json' });
}
