/**
 * What every route answers besides its own responses, documented from the same metadata the
 * access guard and the exception filter act on, so the description follows the behaviour:
 * - `security`: `[]` on `@Public()` routes, the bearer scheme on every `@Roles(...)` route;
 * - the guard's answers on `@Roles` routes: 401 (bad token), 403 (role not allowed) and 429
 *   (too many failed authentications from the address);
 * - the refusals of a request body on every route (any route may be sent one: the parsers run
 *   before routing): 400, 413, 415, and 429 once too many were refused from the address;
 * - 400 on every route that takes parameters (the validation pipe), 500 on every route;
 * - the error body of HttpExceptionFilter on every 4xx/5xx, with the headers it sets.
 */
import { INestApplication, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA } from '@nestjs/common/constants';
import { ModulesContainer, Reflector } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import { PUBLIC_KEY, ROLES_KEY } from '../auth/access.decorators';
import type { SchemaObject } from './openapi-records';

export const ERROR_BODY = 'ErrorBody';
export const BEARER = 'bearer';

/** For the routes that run SQL: `@ApiServiceUnavailableResponse(DATABASE_UNAVAILABLE)`. */
export const DATABASE_UNAVAILABLE = {
  description:
    'The database is unreachable, restarting, or no connection was free within ' +
    'DB_ACQUIRE_TIMEOUT_MS; see Retry-After. Nothing was changed.',
};

const errorBodySchema: SchemaObject = {
  type: 'object',
  description: 'Every error: the status, its reason phrase, a message, and the request id',
  required: ['statusCode', 'error', 'message', 'requestId'],
  properties: {
    statusCode: { type: 'integer', minimum: 400, maximum: 599, example: 400 },
    error: { type: 'string', example: 'Bad Request' },
    message: {
      description: 'What went wrong; validation failures list one message per problem',
      oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
      example: 'limit must be an integer between 1 and 1000',
    },
    requestId: {
      type: 'string',
      description: 'Also the X-Request-Id response header; the log lines carry it',
      example: '3f0c2a9e-5b1d-4c1e-9a43-0d6f3f2b8c71',
    },
    details: {
      type: 'object',
      additionalProperties: true,
      description: 'Machine-readable context of some errors (e.g. the failing readiness checks)',
    },
  },
  additionalProperties: false,
};

const EXAMPLE_MESSAGES: Record<number, string> = {
  400: 'limit must be an integer between 1 and 1000',
  401: 'Missing or invalid bearer token',
  403: 'Your role may not do this',
  404: 'clients has no record 999',
  408: 'The upload stopped arriving',
  413: 'The file is larger than IMPORT_MAX_BYTES',
  415: 'Expected multipart/form-data',
  429: 'Too many failed authentications from this address; try again later',
  500: 'Internal server error',
  503: 'The database is unavailable',
  507: 'not enough free disk for this import',
};

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  507: 'Insufficient Storage',
};

const HEADERS: Record<number, Record<string, unknown>> = {
  401: {
    'WWW-Authenticate': {
      description: 'The scheme to use (RFC 6750)',
      schema: { type: 'string', example: 'Bearer' },
    },
  },
  429: {
    'Retry-After': {
      description: 'Seconds until the limit frees up',
      schema: { type: 'integer', example: 30 },
    },
  },
  503: {
    'Retry-After': {
      description: 'Seconds to wait before retrying',
      schema: { type: 'integer', example: 5 },
    },
  },
};

const GUARD_RESPONSES: Record<string, string> = {
  '401':
    'Missing, malformed, expired or badly signed token, or one whose subject starts with "smartretail:" (reserved for the service\'s own jobs)',
  '403': 'The token is valid but its role may not use this route',
  '429': 'Too many failed authentications or refused bodies from this address; see Retry-After',
  // With JWT_JWKS_URL, a token naming an unknown key needs the identity provider's key set.
  '503': "The identity provider's key set (JWT_JWKS_URL) could not be fetched; see Retry-After",
};

/** RequestBodyMiddleware's answers, on every route (src/request-body/body-refusal.ts). */
const BODY_RESPONSES: Record<string, string> = {
  '400': 'The request body does not parse, does not decompress, or is cut short',
  '413': 'The request body is larger than 100 kB once decompressed',
  '415': "The request body's Content-Encoding or charset is not supported",
  '429': 'Too many refused requests (bodies, tokens) from this address; see Retry-After',
};

interface Access {
  isPublic: boolean;
}

/** operationId (`<Controller>_<method>`, Nest's default) → the access the guard enforces. */
function accessByOperation(app: INestApplication): Map<string, Access> {
  const reflector = new Reflector();
  const access = new Map<string, Access>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      if (!metatype) continue;
      const prototype = metatype.prototype as Record<string, unknown>;
      let names: string[] = [];
      for (
        let p: object | null = prototype;
        p && p !== Object.prototype;
        p = Object.getPrototypeOf(p) as object | null
      ) {
        names = [...names, ...Object.getOwnPropertyNames(p)];
      }
      for (const name of new Set(names)) {
        const handler = prototype[name];
        if (typeof handler !== 'function') continue;
        if (Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
        const targets = [handler as () => unknown, metatype];
        const isPublic = reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets) ?? false;
        const roles = reflector.getAllAndOverride<string[]>(ROLES_KEY, targets);
        if (!isPublic && !roles?.length) continue; // refused by the guard; not documented as open
        access.set(`${metatype.name}_${name}`, { isPublic });
      }
    }
  }
  return access;
}

type Operation = NonNullable<OpenAPIObject['paths'][string]['get']>;
type Response = Operation['responses'][string];

function errorResponse(status: number, response: Response | undefined, fallback: string): Response {
  if (response && '$ref' in response) return response;
  const description = response?.description ?? fallback;
  return {
    ...response,
    description,
    ...(HEADERS[status] && !response?.headers ? { headers: HEADERS[status] } : {}),
    content: response?.content ?? {
      'application/json': {
        schema: { $ref: `#/components/schemas/${ERROR_BODY}` },
        example: {
          statusCode: status,
          error: REASONS[status] ?? 'Error',
          message: EXAMPLE_MESSAGES[status] ?? description,
          requestId: '3f0c2a9e-5b1d-4c1e-9a43-0d6f3f2b8c71',
        },
      },
    },
  } as Response;
}

export function addAccessAndErrorResponses(app: INestApplication, document: OpenAPIObject): void {
  const access = accessByOperation(app);
  (document.components ??= {}).schemas = {
    ...document.components.schemas,
    [ERROR_BODY]: errorBodySchema,
  };
  for (const item of Object.values(document.paths)) {
    for (const method of Object.keys(RequestMethod).map((m) => m.toLowerCase())) {
      const operation = (item as Record<string, Operation | undefined>)[method];
      if (!operation) continue;
      const isPublic = access.get(operation.operationId ?? '')?.isPublic ?? false;
      operation.security = isPublic ? [] : [{ [BEARER]: [] }];
      const responses = operation.responses;
      if (!isPublic) {
        for (const [status, description] of Object.entries(GUARD_RESPONSES)) {
          responses[status] ??= { description };
        }
      }
      if (operation.parameters?.length) {
        responses['400'] ??= {
          description: 'A parameter or the request body is malformed; the message says which',
        };
      }
      for (const [status, description] of Object.entries(BODY_RESPONSES)) {
        responses[status] ??= { description };
      }
      responses['500'] ??= {
        description: 'Unexpected error: the body says nothing more; the log has it, by requestId',
      };
      for (const status of Object.keys(responses)) {
        if (Number(status) >= 400) {
          responses[status] = errorResponse(Number(status), responses[status], status);
        }
      }
    }
  }
}
