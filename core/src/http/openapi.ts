import type { TObject, TSchema } from 'typebox';
import type { RouteSpec } from './route.js';

const ErrorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        details: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
      },
    },
  },
};

const errorDescriptions: Record<number, string> = {
  400: 'Malformed JSON, or a bad path or query parameter',
  401: 'Missing or unknown bearer token',
  403: 'The token lacks the role',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict or invalid transition',
  413: 'Body over 1 MiB',
  415: 'Body not JSON',
  422: 'Body fails the schema',
  429: 'Too many requests from this token (or address): see Retry-After',
};

/** The OpenAPI 3.1 document, made from the same route declarations and schemas that validate requests. */
export function openApiDocument(routes: readonly RouteSpec[], info: { version: string; authEnabled: boolean }): unknown {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(route.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.headers ? { headers: Object.fromEntries(Object.entries(response.headers).map(([h, d]) => [h, { description: d, schema: { type: 'string' } }])) } : {}),
        ...(response.schema ? { content: { [response.contentType ?? 'application/json']: { schema: clean(response.schema) } } } : {}),
      };
    }
    const isPublic = route.roles === 'public';
    // Every route behind a token may be rate limited (server.rateLimit); public ones never are.
    const errors = new Set([...(route.errors ?? []), ...(route.params || route.query ? [400] : []), ...(isPublic ? [] : [401, 403, 429])]);
    for (const status of [...errors].sort()) {
      responses[String(status)] ??= {
        description: errorDescriptions[status] ?? 'Error',
        ...(status === 429 ? { headers: { 'Retry-After': { description: 'Whole seconds until a request would be answered (1..60)', schema: { type: 'integer' } } } } : {}),
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    (paths[path] ??= {})[route.method] = {
      summary: route.summary,
      tags: [route.tag],
      ...(isPublic ? { security: [] } : { 'x-roles': route.roles ?? ['read', 'ci', 'approver', 'admin'] }),
      parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query')],
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: clean(route.body) } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'DeployDB', version: info.version, description: 'Who deployed what, where, and when.' },
    paths,
    components: {
      schemas: { Error: ErrorSchema },
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    },
    ...(info.authEnabled ? { security: [{ bearer: [] }] } : {}),
  };
}

function parameters(schema: TObject | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const required = new Set((schema as { required?: string[] }).required ?? []);
  return Object.entries(schema.properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: clean(property as TSchema),
  }));
}

/** A plain JSON copy of a TypeBox schema (drops TypeBox's symbol keys). */
function clean(schema: TSchema): unknown {
  return JSON.parse(JSON.stringify(schema));
}
