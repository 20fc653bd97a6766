import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { DeployDbError } from '../../errors.js';
import { validate } from '../../schema/validate.js';
import { RefusalWithHeaders } from '../answers.js';
import { unacceptableJson } from '../../schema/jsonGuard.js';
import type { RouteSpec } from '../route.js';
import { bodyWasRead } from './closeUnreadBody.js';
import type { RouteEnv } from './routeEnv.js';

export const MAX_BODY_BYTES = 1024 * 1024;
const JSON_TYPES = /^application\/(json|cloudevents\+json|cloudevents-batch\+json)\s*(;|$)/i;

/** At most {@link MAX_BODY_BYTES}: 413, and the connection closed rather than left with the rest unread. */
export function limitBody(): MiddlewareHandler<RouteEnv> {
  return bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new RefusalWithHeaders('payload_too_large', `the body is larger than ${MAX_BODY_BYTES} bytes`, { connection: 'close' });
    },
  });
}

/**
 * A route's JSON body, checked by its schema: 415 for another content type, 400 for malformed
 * JSON, 422 for JSON the database cannot keep or that fails the schema.
 */
export function readJsonBody(route: RouteSpec): MiddlewareHandler<RouteEnv> {
  return async (c, next) => {
    const body = await parseBody(c, route);
    c.set('body', body);
    c.get('audited').body = body;
    await next();
  };
}

async function parseBody(c: Context, route: RouteSpec): Promise<unknown> {
  const type = c.req.header('content-type') ?? '';
  if (!JSON_TYPES.test(type)) {
    throw new DeployDbError('unsupported_media_type', `send the body as application/json (got ${type ? `"${type.slice(0, 100)}"` : 'no content type'})`);
  }
  const text = await c.req.text();
  bodyWasRead(c);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new DeployDbError('bad_request', `the body is not valid JSON: ${(error as Error).message}`);
  }
  const unacceptable = unacceptableJson(parsed);
  if (unacceptable) throw new DeployDbError('validation_failed', 'the body does not match the schema', [unacceptable]);
  const checked = validate(route.body!, parsed);
  if (!checked.ok) throw new DeployDbError('validation_failed', 'the body does not match the schema', checked.errors);
  return checked.value;
}
