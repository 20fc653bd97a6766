import type { TObject, TSchema } from 'typebox';
import { ErrorBodySchema } from '../errorResponse.js';
import { SchemaComponents } from '../schema/schemaComponents.js';
import { API_TAGS } from './apiTags.js';
import type { RouteSpec } from './route.js';

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
  503: 'The database connection failed during the request: try again (see Retry-After)',
};

const DESCRIPTION = [
  'DeployDB records who deployed what, where and when: CI registers artifacts, deployers report deployments, ',
  'promotions decide when a deployment moves on to the next environment of its pipeline, and every change is ',
  'published as a CloudEvent (described in /asyncapi.json). With `auth` configured, every `/api` route needs ',
  '`Authorization: Bearer <token>`; `x-roles` on an operation lists the roles of which the token needs one. ',
  'Errors always have the body `{error: {code, message, details}}`. Lists answer `{items, nextCursor}`: pass ',
  '`nextCursor` as `?cursor=` for the next page, which exists exactly when it is not null.',
].join('');

/** What the document says about the server it describes. */
export interface OpenApiInfo {
  version: string;
  /** The SPDX license of DeployDB. */
  license: string;
  authEnabled: boolean;
}

/** The OpenAPI 3.1 document, made from the same route declarations and schemas that validate requests. */
export function openApiDocument(routes: readonly RouteSpec[], info: OpenApiInfo): unknown {
  const components = new SchemaComponents('#/components/schemas/');
  const errorRef = components.use(ErrorBodySchema);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(route.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.headers ? { headers: Object.fromEntries(Object.entries(response.headers).map(([h, d]) => [h, { description: d, schema: { type: 'string' } }])) } : {}),
        ...(response.schema ? { content: { [response.contentType ?? 'application/json']: { schema: components.use(response.schema) } } } : {}),
      };
    }
    const isPublic = route.roles === 'public';
    // What the app answers before a handler runs: bad parameters, a body that is malformed, too big,
    // not JSON or off the schema, auth; every route behind a token may be rate limited (server.rateLimit)
    // and reads or writes the database, which may drop the connection on the way (503).
    const errors = new Set([
      ...(route.errors ?? []),
      ...(route.params || route.query ? [400] : []),
      ...(route.body ? [400, 413, 415, 422] : []),
      ...(isPublic ? [] : [401, 403, 429, 503]),
    ]);
    for (const status of [...errors].sort()) {
      responses[String(status)] ??= {
        description: errorDescriptions[status] ?? 'Error',
        ...(status === 429 ? { headers: { 'Retry-After': { description: 'Whole seconds until a request would be answered (1..60)', schema: { type: 'integer' } } } } : {}),
        ...(status === 503 ? { headers: { 'Retry-After': { description: 'Whole seconds to wait before asking again', schema: { type: 'integer' } } } } : {}),
        content: { 'application/json': { schema: errorRef } },
      };
    }
    (paths[path] ??= {})[route.method] = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.tag],
      ...(isPublic ? { security: [] } : { 'x-roles': route.roles ?? ['read', 'ci', 'approver', 'admin'] }),
      parameters: [...parameters(components, route.params, 'path'), ...parameters(components, route.query, 'query')],
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: components.use(route.body) } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'DeployDB',
      version: info.version,
      summary: 'Who deployed what, where, and when.',
      description: DESCRIPTION,
      license: { name: info.license, identifier: info.license },
    },
    // Relative: the document is right wherever DeployDB is served, behind any proxy prefix.
    servers: [{ url: '/', description: 'the DeployDB that serves this document' }],
    tags: Object.entries(API_TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      schemas: components.schemas,
      ...(info.authEnabled ? { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'a token of `auth.tokens` in deploydb.yaml' } } } : {}),
    },
    // Without auth, every operation is open (the server then listens on loopback only).
    security: info.authEnabled ? [{ bearer: [] }] : [],
  };
}

function parameters(components: SchemaComponents, schema: TObject | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const required = new Set((schema as { required?: string[] }).required ?? []);
  return Object.entries(schema.properties).map(([name, property]) => {
    const { description, ...rest } = components.use(property as TSchema) as { description?: string };
    return { name, in: where, required: where === 'path' || required.has(name), ...(description ? { description } : {}), schema: rest };
  });
}
