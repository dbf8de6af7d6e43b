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

  it('documents every query parameter any dataset accepts', () => {
    const documented = doc.paths['/datasets/{dataset}/records'].get
      .parameters!.filter((p) => p.in === 'query')
      .map((p) => p.name);
    const accepted = new Set(datasetCatalog.all().flatMap(acceptedParameters));
    expect(new Set(documented)).toEqual(accepted);
    const audit = doc.paths['/audit'].get.parameters!.map((p) => p.name);
    expect(audit.sort()).toEqual(['cursor', 'from', 'limit', 'sub', 'to']);
  });

  it('documents response schemas, including one record schema per dataset and role view', () => {
    for (const [path, operations] of Object.entries(doc.paths)) {
      if (path.startsWith('/health')) continue;
      for (const [method, op] of Object.entries(
        operations as Record<string, { responses: Record<string, { content?: unknown }> }>,
      )) {
        const success = op.responses['200'] ?? op.responses['201'];
        expect({ route: `${method} ${path}`, content: success?.content !== undefined }).toEqual({
          route: `${method} ${path}`,
          content: true,
        });
      }
    }
    expect(doc.components.schemas).toHaveProperty('RecordPageDto');
    expect(doc.components.schemas).toHaveProperty('AuditPageDto');
    expect(doc.components.schemas.ClientsAdminRecord).toEqual(
      expect.objectContaining({
        properties: expect.objectContaining({ email: { type: 'string' } }),
      }),
    );
    expect(doc.components.schemas.ClientsAnalystRecord).toEqual(
      expect.objectContaining({
        properties: expect.not.objectContaining({ email: expect.anything() }),
      }),
    );
    for (const spec of datasetCatalog.all()) {
      const name = spec.name.replace(/(^|_)([a-z])/g, (_m, _s, c: string) => c.toUpperCase());
      expect(doc.components.schemas).toHaveProperty(`${name}AdminRecord`);
      expect(doc.components.schemas).toHaveProperty(`${name}AnalystRecord`);
    }
    const single = doc.paths['/datasets/{dataset}/records/{id}'].get.responses['200'] as {
      content: { 'application/json': { schema: { oneOf: unknown[] } } };
    };
    expect(single.content['application/json'].schema.oneOf).toHaveLength(16);
    expect(doc.components.schemas.RecordPageDto).toEqual(
      expect.objectContaining({
        properties: expect.objectContaining({
          items: expect.objectContaining({
            type: 'array',
            items: {
              oneOf: expect.arrayContaining([
                { $ref: '#/components/schemas/ClientsAnalystRecord' },
              ]),
            },
          }),
        }),
      }),
    );
  });
});
