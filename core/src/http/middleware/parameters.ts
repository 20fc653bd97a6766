import type { MiddlewareHandler } from 'hono';
import type { Static, TObject, TSchema } from 'typebox';
import { DeployDbError } from '../../errors.js';
import { validate } from '../../schema/validate.js';
import { unstorableString } from '../../schema/jsonGuard.js';
import type { RouteSpec } from '../route.js';
import type { RouteEnv } from './routeEnv.js';

/** A route's path and query parameters, converted and checked by its schemas (400 when they fail). */
export function readParameters(route: RouteSpec): MiddlewareHandler<RouteEnv> {
  return async (c, next) => {
    c.set('params', parseParameters(route.params, c.req.param() as Record<string, string>, 'path'));
    c.set('query', parseParameters(route.query, c.req.query(), 'query'));
    await next();
  };
}

/** Path and query values arrive as strings: convert as the schema says, then check. Failures are 400. */
function parseParameters<S extends TObject>(schema: S | undefined, raw: Record<string, string>, where: 'path' | 'query'): Static<S> {
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
  for (const [key, value] of Object.entries(raw)) {
    const problem = unstorableString(value);
    if (problem) throw new DeployDbError('bad_request', `invalid ${where} parameter`, [{ path: `/${key}`, message: problem }]);
  }
  const converted: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) converted[key] = convertParameter(schema.properties[key] as TSchema | undefined, value);
  const checked = validate(schema, converted);
  if (!checked.ok) {
    throw new DeployDbError('bad_request', `invalid ${where} parameter`, checked.errors);
  }
  return checked.value;
}

/**
 * Turns a path or query string into the number its schema asks for, strictly: "12" is 12, but
 * "1.5", "1e3", "0x10" or " 5" stay strings and fail the schema, so they answer 400.
 */
function convertParameter(schema: TSchema | undefined, value: string): unknown {
  const type = (schema as { type?: unknown } | undefined)?.type;
  if (type === 'integer' && /^-?\d{1,15}$/.test(value)) return Number(value);
  if (type === 'number' && /^-?\d{1,15}(\.\d{1,15})?$/.test(value)) return Number(value);
  return value;
}

