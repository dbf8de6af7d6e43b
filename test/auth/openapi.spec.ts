import request from 'supertest';
import { datasetCatalog } from '../../src/catalog/dataset-catalog';
import { acceptedParameters } from '../../src/datasets/record-query';
import { declaredRoutes } from '../support/declared-routes';
import { HttpHarness, startHttpHarness } from '../support/http-app';

interface Operation {
  parameters?: { name: string; in: string }[];
  responses: Record<string, { content?: unknown }>;
  security?: unknown[];
}

describe('OpenAPI', () => {
  let h: HttpHarness;
  let doc: {
    paths: Record<string, Record<string, Operation>>;
    components: Record<string, Record<string, unknown>>;
  };
  beforeAll(async () => {
    h = await startHttpHarness();
    doc = (await request(h.app.getHttpServer()).get('/docs-json').expect(200)).body;
  });
  afterAll(() => h.close());

  it('serves Swagger UI at /docs without a token', async () => {
    const res = await request(h.app.getHttpServer()).get('/docs/').expect(200);
    expect(res.text).toContain('swagger-ui');
  });

  it('documents every controller route, with bearer auth on every protected one', () => {
    const routes = declaredRoutes(h.app);
    expect(routes.length).toBeGreaterThanOrEqual(6);
    expect(doc.components.securitySchemes).toHaveProperty('bearer');
    for (const route of routes) {
      const [method, path] = route.route.split(' ');
      const operation = doc.paths[path.replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()];
      expect({ route: route.route, documented: operation !== undefined }).toEqual({
        route: route.route,
        documented: true,
      });
      if (!route.isPublic) {
        expect({ route: route.route, security: operation.security }).toEqual({
          route: route.route,
          security: [{ bearer: [] }],
        });
      }
    }
  });

  it('gives every operation a summary and the 503 a database or key-set outage answers', () => {
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        route: `${method} ${path}`,
        operation,
      })),
    );
    expect(operations.length).toBeGreaterThanOrEqual(10);
    const incomplete = operations
      .filter(({ route, operation }) => {
        const raw = operation as unknown as {
          summary?: string;
          responses: Record<string, unknown>;
        };
        const mayLive = route === 'get /health/live' || route === 'get /metrics';
        return !raw.summary || (!mayLive && !raw.responses['503']);
      })
      .map(({ route }) => route);
    expect(incomplete).toEqual([]);
  });

  it('documents every query parameter any dataset accepts', () => {
    const documented = doc.paths['/datasets/{dataset}/records'].get
      .parameters!.filter((p) => p.in === 'query')
      .map((p) => p.name);
    const accepted = new Set(datasetCatalog.all().flatMap(acceptedParameters));
    expect(new Set(documented)).toEqual(accepted);
    const audit = doc.paths['/audit'].get.parameters!.map((p) => p.name);
    expect(audit.sort()).toEqual(['cursor', 'from', 'limit', 'sub', 'to']);
  });

  it('documents response schemas, including one record schema and one page schema per dataset', () => {
    for (const [path, operations] of Object.entries(doc.paths)) {
      if (path.startsWith('/health')) continue;
      for (const [method, op] of Object.entries(
        operations as Record<string, { responses: Record<string, { content?: unknown }> }>,
      )) {
        // 204 No Content (DELETE /clients/{id}) has, by definition, no body to describe.
        if (op.responses['204']) continue;
        const success = op.responses['200'] ?? op.responses['201'];
        expect({ route: `${method} ${path}`, content: success?.content !== undefined }).toEqual({
          route: `${method} ${path}`,
          content: true,
        });
      }
    }
    expect(doc.components.schemas).toHaveProperty('RecordPageDto');
    expect(doc.components.schemas).toHaveProperty('AuditPageDto');
    const clients = doc.components.schemas.ClientsRecord as {
      properties: Record<string, { description: string }>;
      required?: string[];
      additionalProperties: boolean;
    };
    expect(clients.properties.email.description).toMatch(/received by admin only/);
    expect(clients.properties.annee_naissance.description).toMatch(/received by analyst only/);
    expect(clients.properties.client_id.description).not.toMatch(/only/);
    expect(clients.required).toBeUndefined();
    expect(clients.additionalProperties).toBe(false);
    for (const spec of datasetCatalog.all()) {
      const name = spec.name.replace(/(^|_)([a-z])/g, (_m, _s, c: string) => c.toUpperCase());
      expect(doc.components.schemas).toHaveProperty(`${name}Record`);
      expect(doc.components.schemas).toHaveProperty(`${name}RecordPage`);
    }
    const single = doc.paths['/datasets/{dataset}/records/{id}'].get.responses['200'] as {
      content: { 'application/json': { schema: { $ref: string } } };
    };
    expect(single.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/AnyRecord',
    });
    expect((doc.components.schemas.AnyRecord as { anyOf: unknown[] }).anyOf).toHaveLength(8);
    expect(doc.components.schemas.RecordPageDto).toEqual(
      expect.objectContaining({
        oneOf: expect.arrayContaining([{ $ref: '#/components/schemas/ClientsRecordPage' }]),
        discriminator: expect.objectContaining({
          propertyName: 'dataset',
          mapping: expect.objectContaining({
            clients: '#/components/schemas/ClientsRecordPage',
          }) as unknown,
        }) as unknown,
      }),
    );
  });

  it('says public routes need no token, and gives every error the error body', () => {
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        const route = `${method} ${path}`;
        if (['/health/live', '/health/ready', '/metrics'].includes(path)) {
          expect({ route, security: op.security }).toEqual({ route, security: [] });
        } else {
          expect({ route, guard: Object.keys(op.responses) }).toEqual({
            route,
            guard: expect.arrayContaining(['401', '403', '429', '500']) as unknown,
          });
        }
        for (const [status, response] of Object.entries(op.responses)) {
          if (Number(status) < 400) continue;
          expect({ route, status, content: response.content }).toEqual({
            route,
            status,
            content: {
              'application/json': expect.objectContaining({
                schema: { $ref: '#/components/schemas/ErrorBody' },
              }) as unknown,
            },
          });
        }
      }
    }
  });
});
