import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Role } from '../config/model.js';
import { DeployDbError } from '../errors.js';
import type { Logger } from '../plugin-api/logger.js';
import { validate } from '../schema/validate.js';
import { requireRole, type Authenticator } from './auth.js';
import { unacceptableJson } from './bodyGuard.js';
import type { Caller } from '../plugin-api/promotion.js';
import { errorResponse, type ErrorBody } from '../errorResponse.js';
import type { Metrics } from './metrics.js';
import { parseParameters, json, type AuditedRequest, type RouteSpec } from './route.js';
import type { PendingAudit } from '../domain/audit.js';
import type { Clock } from '../plugin-api/clock.js';
import { RequestAuditTrail, type AuditWriter } from './auditTrail.js';
import type { RateLimiter } from './rateLimit.js';

export const MAX_BODY_BYTES = 1024 * 1024;
const READ_ROLES: readonly Role[] = ['read', 'ci', 'approver', 'admin'];
/** Public routes (health, metrics, the API description) run without looking at any token. */
const ANONYMOUS_CALLER: Caller = Object.freeze({ name: null, roles: [] });
const JSON_TYPES = /^application\/(json|cloudevents\+json|cloudevents-batch\+json)\s*(;|$)/i;

export interface AppOptions {
  routes: RouteSpec[];
  authenticator: () => Authenticator;
  metrics: Metrics;
  logger: Logger;
  /** `server.rateLimit`'s token buckets; null: no limit. */
  rateLimiter: RateLimiter | null;
  /** Writes audit entries on their own (refused writes, `auth.denied`). */
  writeAudit: AuditWriter;
  clock: Clock;
}

/** What the guard in front of a route hands on to it. */
type GuardedEnv = { Variables: { caller: Caller; audit: PendingAudit | undefined; audited: AuditedRequest<unknown> } };

/**
 * The Hono app: every declared route with auth, rate limit, audit, body limit, content type, JSON
 * parsing and schema validation in front, errors in the contract's shape, 404 and 405 for the rest.
 */
export function createApp({ routes, authenticator, metrics, logger, rateLimiter, writeAudit, clock }: AppOptions): Hono {
  const app = new Hono<GuardedEnv>();
  const trail = new RequestAuditTrail(writeAudit, clock, logger);
  /** Requests whose body the app read to the end. */
  const bodiesRead = new WeakSet<Request>();

  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    // Answered without reading the body (refused before it, or a route that takes none): the
    // connection is closed after the answer, or the unread rest of the body would end up before
    // the client's next request on it, and that request would be lost.
    if (!bodiesRead.has(c.req.raw) && hasBody(c.req.raw)) c.res.headers.set('connection', 'close');
    const route = c.req.routePath && c.req.routePath !== '*' ? c.req.routePath : 'unmatched';
    metrics.requests.inc({ method: c.req.method, route, status: String(c.res.status) });
    metrics.latency.observe({ method: c.req.method, route }, (performance.now() - started) / 1000);
  });

  app.onError((error, c) => {
    const { status, body } = errorResponse(error);
    if (status >= 500) logger.error({ err: error, path: c.req.path }, 'request failed');
    return json(c, status, body);
  });
  app.notFound((c) => fail(c, new DeployDbError('not_found', `no route ${c.req.method} ${c.req.path}`)));

  const methodsByPath = new Map<string, string[]>();
  for (const route of routes) {
    if (route.method !== 'get' && !route.audit) throw new Error(`${route.method.toUpperCase()} ${route.path} writes: it must declare its audit action`);
    const handlers: MiddlewareHandler<GuardedEnv>[] = [guard(route, { authenticator, rateLimiter, trail })];
    if (route.body) {
      handlers.push(
        bodyLimit({
          maxSize: MAX_BODY_BYTES,
          // The rest of the body is not read: close the connection rather than leave it half-read.
          onError: (c) => fail(c, new DeployDbError('payload_too_large', `the body is larger than ${MAX_BODY_BYTES} bytes`), { connection: 'close' }),
        }),
      );
    }
    app.on([route.method.toUpperCase()], [route.path], ...handlers, async (c: Context<GuardedEnv>) => {
      const params = parseParameters(route.params, c.req.param() as Record<string, string>, 'path');
      const query = parseParameters(route.query, c.req.query(), 'query');
      const body = route.body ? await readBody(c, route, () => bodiesRead.add(c.req.raw)) : undefined;
      c.get('audited').body = body;
      return route.handler({ params, query, body, caller: c.get('caller'), audit: c.get('audit'), c });
    });
    methodsByPath.set(route.path, [...(methodsByPath.get(route.path) ?? []), route.method.toUpperCase()]);
  }
  for (const [path, methods] of methodsByPath) {
    const allow = [...new Set([...methods, ...(methods.includes('GET') ? ['HEAD'] : [])])].join(', ');
    app.all(path, (c) => fail(c, new DeployDbError('method_not_allowed', `${c.req.method} is not allowed here; use ${allow}`), { allow }));
  }
  // What the guard hands on stays inside: whoever adds routes later (static files) sees a plain app.
  return app as unknown as Hono;
}

/**
 * In front of every route: who calls (401 for a missing or unknown token), the rate limit (429,
 * per token, per client address without one), the role (403); then, once the route answered,
 * the audit entries the answer calls for. Public routes are neither limited nor audited.
 */
function guard(
  route: RouteSpec,
  { authenticator, rateLimiter, trail }: { authenticator: () => Authenticator; rateLimiter: RateLimiter | null; trail: RequestAuditTrail },
): MiddlewareHandler<GuardedEnv> {
  const roles = route.roles ?? (route.method === 'get' ? READ_ROLES : ['admin']);
  return async (c, next) => {
    if (roles === 'public') {
      c.set('caller', ANONYMOUS_CALLER);
      c.set('audit', undefined);
      c.set('audited', { params: {}, body: undefined });
      return next();
    }
    let caller: Caller | null = null;
    let refusal: unknown;
    let headers: Record<string, string> | undefined;
    try {
      caller = authenticator().authenticate(c.req.header('authorization'));
    } catch (error) {
      refusal = error;
    }
    const retryAfter = rateLimiter?.take(caller?.name ? `token:${caller.name}` : `address:${clientAddress(c)}`) ?? 0;
    if (retryAfter > 0) {
      refusal = new DeployDbError('rate_limited', `too many requests: retry in ${retryAfter} s`);
      headers = { 'retry-after': String(retryAfter) };
    } else if (caller && !refusal) {
      try {
        requireRole(caller, roles);
      } catch (error) {
        refusal = error;
      }
    }
    const audited: AuditedRequest<unknown> = { params: c.req.param() as Record<string, string>, body: undefined };
    const audit = trail.pendingFor(route, caller, audited);
    let response: Response | undefined;
    if (refusal === undefined) {
      c.set('caller', caller!);
      c.set('audit', audit);
      c.set('audited', audited);
      await next();
    } else {
      response = fail(c, refusal, headers);
    }
    await trail.settle({
      method: c.req.method,
      path: c.req.path,
      status: (response ?? c.res).status,
      error: refusal ?? c.error,
      caller,
      audit,
    });
    return response;
  };
}

/** The peer address of the connection (not a forwarded header, which any client may write). */
function clientAddress(c: Context): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'unknown';
}

function fail(c: Context, error: unknown, headers?: Record<string, string>): Response {
  const { status, body } = errorResponse(error);
  return json(c, status, body satisfies ErrorBody, headers);
}

/** Whether a request comes with a body (announced by its length or by chunked encoding). */
function hasBody(request: Request): boolean {
  const length = request.headers.get('content-length');
  return (length !== null && length !== '0') || request.headers.has('transfer-encoding');
}

async function readBody(c: Context, route: RouteSpec, onRead: () => void): Promise<unknown> {
  const type = c.req.header('content-type') ?? '';
  if (!JSON_TYPES.test(type)) {
    throw new DeployDbError('unsupported_media_type', `send the body as application/json (got ${type ? `"${type.slice(0, 100)}"` : 'no content type'})`);
  }
  const text = await c.req.text();
  onRead();
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
