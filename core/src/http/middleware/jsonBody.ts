import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { DeployDbError } from '../../errors.js';
import { validate } from '../../schema/validate.js';
import { RefusalWithHeaders } from '../answers.js';
import { unacceptableJson } from '../../schema/jsonGuard.js';
import type { RouteSpec } from '../route.js';
import { bodyWasRead } from './closeUnreadBody.js';
import type { RouteEnv } from './routeEnv.js';

export const MAX_BODY_BYTES = 1024 * 1024;
const JSON_TYPES = /^application\/(json|cloudevents\+json|cloudevents-batch\+json)\s*(;|$)/i;
/** UTF-8, a leading byte order mark dropped, as `Request.text()` decodes. */
const utf8 = new TextDecoder();

/**
 * A route's JSON body, checked by its schema: 413 past {@link MAX_BODY_BYTES} (and the connection
 * closed rather than left with the rest unread), 415 for another content type, 400 for malformed
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
  if (Number(c.req.header('content-length') ?? 0) > MAX_BODY_BYTES) throw tooLarge();
  const type = c.req.header('content-type') ?? '';
  if (!JSON_TYPES.test(type)) {
    throw new DeployDbError('unsupported_media_type', `send the body as application/json (got ${type ? `"${type.slice(0, 100)}"` : 'no content type'})`);
  }
  const text = await bodyText(c);
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

/**
 * The body as text, read up to {@link MAX_BODY_BYTES}. Served by Node, straight from its request:
 * asking the fetch `Request` for its body makes one (with a body stream and an abort signal the
 * garbage collector only frees in a full collection), for each request with a body. Past the
 * limit the rest is left unread, the socket open for the 413 (then closed).
 */
async function bodyText(c: Context): Promise<string> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  const source: AsyncIterable<Uint8Array> | null = incoming ? incoming.iterator({ destroyOnReturn: false }) : c.req.raw.body;
  if (source === null) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of source) {
      size += chunk.byteLength;
      if (size > MAX_BODY_BYTES) throw tooLarge();
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof DeployDbError) throw error;
    throw new DeployDbError('bad_request', `the body could not be read: ${(error as Error).message}`);
  }
  return utf8.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
}

function tooLarge(): RefusalWithHeaders {
  return new RefusalWithHeaders('payload_too_large', `the body is larger than ${MAX_BODY_BYTES} bytes`, { connection: 'close' });
}
