import type { Context } from 'hono';
import Type, { type Static, type TObject, type TSchema } from 'typebox';
import Value from 'typebox/value';
import type { Role } from '../config/model.js';
import { DeployDbError } from '../errors.js';
import type { Caller } from '../plugin-api/promotion.js';
import { validate } from '../schema/validate.js';

/**
 * A route declared once: its schemas validate the request and describe it in /openapi.json.
 */
export interface RouteSpec<P extends TObject = TObject, Q extends TObject = TObject, B extends TSchema = TSchema> {
  method: 'get' | 'post' | 'patch' | 'put' | 'delete';
  /** Hono path, e.g. `/api/deployments/:id`. */
  path: string;
  summary: string;
  tag: string;
  /** Roles of which the caller needs one; `public` needs no token. Default: any API role for GET. */
  roles?: readonly Role[] | 'public';
  params?: P;
  query?: Q;
  body?: B;
  /** Status → response description and schema. */
  responses: Record<number, { description: string; schema?: TSchema; headers?: Record<string, string> }>;
  /** Error codes this route may answer with, for the documentation. */
  errors?: number[];
  handler(request: RouteRequest<Static<P>, Static<Q>, Static<B>>): Promise<Response> | Response;
}

export interface RouteRequest<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  caller: Caller;
  c: Context;
}

/** Declares a route; the generic parameters flow from the schemas into the handler. */
export function defineRoute<P extends TObject = TObject, Q extends TObject = TObject, B extends TSchema = TSchema>(spec: RouteSpec<P, Q, B>): RouteSpec {
  return spec as unknown as RouteSpec;
}

/** A path parameter that is an id: a positive integer. */
export const IdParam = Type.Integer({ minimum: 1, maximum: 2147483647 });

/** Path and query values arrive as strings: convert as the schema says, then check. Failures are 400. */
export function parseParameters<S extends TObject>(schema: S | undefined, raw: Record<string, string>, where: 'path' | 'query'): Static<S> {
  if (!schema) return {} as Static<S>;
  const known = Object.keys(schema.properties);
  const unknown = Object.keys(raw).filter((k) => !known.includes(k));
  if (where === 'query' && unknown.length > 0) {
    throw new DeployDbError(
      'bad_request',
      `unknown query parameter ${unknown.map((k) => `"${k}"`).join(', ')}`,
      unknown.map((k) => ({ path: `/${k}`, message: 'unknown query parameter' })),
    );
  }
  const converted = Value.Convert(schema, { ...raw });
  const checked = validate(schema, converted);
  if (!checked.ok) {
    throw new DeployDbError('bad_request', `invalid ${where} parameter`, checked.errors);
  }
  return checked.value;
}

/** JSON response helper. */
export function json(c: Context, status: number, body: unknown, headers?: Record<string, string>): Response {
  return c.newResponse(JSON.stringify(body), status as 200, { 'content-type': 'application/json; charset=utf-8', ...headers });
}
