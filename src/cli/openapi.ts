/**
 * `npm run -s openapi`: prints the OpenAPI document the service serves at /docs-json, without
 * starting a database (for code generators and `npm run openapi:lint`).
 */
import 'reflect-metadata';
import { buildOfflineOpenApiDocument } from '../common/openapi-offline';

buildOfflineOpenApiDocument().then(
  (document) => process.stdout.write(`${JSON.stringify(document, null, 2)}\n`),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
