/**
 * Checks an HTTP response against the OpenAPI document the service serves: the route (path
 * template and method), the status, the content type, and for JSON the body against the schema
 * (ajv). Used by every supertest request (see openapi-response-check.ts), so the description
 * cannot drift from the behaviour without a test failing.
 */
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { OpenAPIObject } from '@nestjs/swagger';

/** Served by Swagger UI, not described by the API itself. */
const UNDESCRIBED = /^\/docs(-json|\/.*)?$/;
const REFS = '#/components/schemas/';
const BASE = 'openapi.json';

interface MediaType {
  schema?: unknown;
}
interface Response {
  content?: Record<string, MediaType>;
}
interface Operation {
  responses: Record<string, Response>;
}

export interface ObservedResponse {
  method: string;
  url: string;
  status: number;
  contentType?: string;
  /** The parsed JSON body, or the text for other media types. */
  body: unknown;
  text?: string;
}

interface Route {
  template: string;
  pattern: RegExp;
  literalSegments: number;
}

export class ResponseContract {
  private readonly ajv: Ajv;
  private readonly routes: Route[];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly document: OpenAPIObject) {
    // OpenAPI 3.0 schemas are JSON Schema plus `nullable` (ajv knows it), `discriminator`
    // (ajv's option), and annotations ajv must accept without acting on.
    this.ajv = new Ajv({ allErrors: true, discriminator: true, strict: true });
    addFormats(this.ajv);
    this.ajv.addVocabulary(['example', 'xml', 'externalDocs']);
    this.ajv.addSchema({ $id: BASE, definitions: this.rebased(this.components()) });
    this.routes = Object.keys(document.paths)
      .map((template) => ({
        template,
        pattern: new RegExp(
          `^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`,
        ),
        literalSegments: template.split('/').filter((s) => s && !s.startsWith('{')).length,
      }))
      // A literal segment wins over a parameter (`/imports/{id}` vs a longer literal path).
      .sort((a, b) => b.literalSegments - a.literalSegments);
  }

  /** undefined when the response is described; otherwise what does not match, and why. */
  check(res: ObservedResponse): string | undefined {
    const path = new URL(res.url, 'http://local').pathname.replace(/(.)\/+$/, '$1');
    if (UNDESCRIBED.test(path)) return undefined;
    const where = `${res.method.toUpperCase()} ${path} → ${res.status}`;
    // Of the templates matching the path, the first (most literal) with this method: two
    // templates may match one path (`/imports/{dataset}` for POST, `/imports/{id}` for GET).
    const route = this.routes.find(
      (r) => r.pattern.test(path) && this.operation(r.template, res.method) !== undefined,
    );
    const operation = route && this.operation(route.template, res.method);
    if (!operation) {
      // Nest's 404 for a path no controller has, and the guard's 403 for a route that declares
      // no access (it fails closed): still the service's error body, and nothing else.
      if (res.status === 404 || res.status === 403) {
        return this.checkBody(where, 'ErrorBody', res.body, 'undescribed route');
      }
      return `${where}: no operation describes this route`;
    }
    const described =
      operation.responses[String(res.status)] ??
      operation.responses[`${String(res.status)[0]}XX`] ??
      operation.responses.default;
    if (!described) return `${where}: status not described for ${route.template}`;
    const mediaType = res.contentType?.split(';')[0].trim().toLowerCase();
    const content = described.content;
    if (!content) {
      return res.text ? `${where}: a body, where the description has none` : undefined;
    }
    if (!mediaType || !content[mediaType]) {
      return `${where}: content type ${mediaType ?? '(none)'} not described (${Object.keys(content).join(', ')})`;
    }
    // Only JSON bodies are validated; CSV and Prometheus text are checked for their type only.
    if (mediaType !== 'application/json') return undefined;
    return this.checkSchema(where, content[mediaType].schema, res.body);
  }

  private operation(template: string, method: string): Operation | undefined {
    return (this.document.paths[template] as Record<string, Operation | undefined>)[
      method.toLowerCase()
    ];
  }

  private checkBody(where: string, name: string, body: unknown, note: string): string | undefined {
    const problem = this.checkSchema(where, { $ref: `${REFS}${name}` }, body);
    return problem && `${problem} (${note})`;
  }

  private checkSchema(where: string, schema: unknown, body: unknown): string | undefined {
    if (schema === undefined) return undefined;
    const key = JSON.stringify(schema);
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(this.rebased(schema) as object);
      this.validators.set(key, validate);
    }
    if (validate(body)) return undefined;
    const errors = this.ajv.errorsText(validate.errors, { separator: '; ', dataVar: 'body' });
    return `${where}: the body does not match its OpenAPI schema: ${errors}`;
  }

  private components(): Record<string, unknown> {
    return this.document.components?.schemas ?? {};
  }

  /**
   * References point into the components of the document; ajv resolves them in a schema
   * registered as `openapi.json`, under `definitions`. ajv's discriminator infers the mapping
   * from the alternatives' `enum`, and refuses an explicit one (code generators need it).
   */
  private rebased(schema: unknown): unknown {
    return JSON.parse(
      JSON.stringify(schema, (key, value: unknown) => (key === 'mapping' ? undefined : value))
        .split(`"${REFS}`)
        .join(`"${BASE}#/definitions/`),
    );
  }
}
