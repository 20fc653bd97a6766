import { Hono, type MiddlewareHandler } from 'hono';
import { methodNotAllowed } from 'hono/method-not-allowed';
import type { Role } from '../config/model.js';
import { DeployDbError, isDeployDbError } from '../errors.js';
import type { Logger } from '../plugin-api/logger.js';
import type { Caller } from '../plugin-api/promotion.js';
import type { Clock } from '../plugin-api/clock.js';
import { errorResponse } from '../errorResponse.js';
import { isConnectionLost } from '../store/dbErrors.js';
import { errorAnswer, RefusalWithHeaders } from './answers.js';
import type { Authenticator } from './auth.js';
import type { Metrics } from './metrics.js';
import type { RateLimiter } from './rateLimit.js';
import type { RouteSpec } from './route.js';
import { auditTrail, RequestAuditTrail, type AuditWriter } from './middleware/auditTrail.js';
import { closeUnreadBody } from './middleware/closeUnreadBody.js';
import { identify, requireCaller } from './middleware/identify.js';
import { readJsonBody } from './middleware/jsonBody.js';
import { limitRate } from './middleware/limitRate.js';
import { readParameters } from './middleware/parameters.js';
import { requestMetrics } from './middleware/requestMetrics.js';
import { requireRole } from './middleware/requireRole.js';
import type { RouteEnv } from './middleware/routeEnv.js';

const READ_ROLES: readonly Role[] = ['read', 'ci', 'approver', 'admin'];
/** Public routes (health, metrics, the API description) run without looking at any token. */
const ANONYMOUS_CALLER: Caller = Object.freeze({ name: null, roles: [] });

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

/**
 * The Hono app: each declared route behind the middleware its declaration calls for, one concern
 * each (middleware/): who calls, the audit of writes, the rate limit, 401, the role, parameters,
 * the body; errors in the contract's shape, 404 and 405 for the rest.
 */
export function createApp({ routes, authenticator, metrics, logger, rateLimiter, writeAudit, clock }: AppOptions): Hono {
  const app = new Hono<RouteEnv>();
  const trail = new RequestAuditTrail(writeAudit, clock, logger);

  app.use('*', requestMetrics(metrics), closeUnreadBody());
  app.use(
    '*',
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) =>
        errorAnswer(c, new RefusalWithHeaders('method_not_allowed', `${c.req.method} is not allowed here; use ${methods.join(', ')}`, { allow: methods.join(', ') })),
    }),
  );
  app.onError((error, c) => {
    if (!isDeployDbError(error) && isConnectionLost(error)) {
      // The database went away mid-request (a restart, a failover, a cut session): the request's
      // transaction did not commit, and asking again shortly is the fix, not a bug report.
      logger.warn({ err: error, path: c.req.path }, 'request failed: the database connection was lost');
      return errorAnswer(c, new RefusalWithHeaders('unavailable', 'the database connection failed during the request; try again', { 'retry-after': '1' }));
    }
    if (errorResponse(error).status >= 500) logger.error({ err: error, path: c.req.path }, 'request failed');
    return errorAnswer(c, error);
  });
  app.notFound((c) => errorAnswer(c, new DeployDbError('not_found', `no route ${c.req.method} ${c.req.path}`)));

  for (const route of routes) {
    if (route.method !== 'get' && !route.audit) throw new Error(`${route.method.toUpperCase()} ${route.path} writes: it must declare its audit action`);
    app.on([route.method.toUpperCase()], [route.path], ...middlewareOf(route, { authenticator, rateLimiter, trail }), (c) =>
      route.handler({
        params: c.get('params'),
        query: c.get('query'),
        body: c.get('body'),
        caller: c.get('caller')!,
        audit: c.get('audit'),
        c,
      }),
    );
  }
  // What the middleware hands on stays inside: whoever adds routes later (static files) sees a plain app.
  return app as unknown as Hono;
}

/**
 * What stands in front of a route, from its declaration: for a route that needs a token, who calls,
 * the audit trail (which sees every answer, refusals included), the rate limit (401s count too),
 * 401, the role; then parameters, and a body when the route takes one. Public routes are neither
 * limited nor audited.
 */
function middlewareOf(
  route: RouteSpec,
  { authenticator, rateLimiter, trail }: { authenticator: () => Authenticator; rateLimiter: RateLimiter | null; trail: RequestAuditTrail },
): MiddlewareHandler<RouteEnv>[] {
  const roles = route.roles ?? (route.method === 'get' ? READ_ROLES : ['admin']);
  const guard: MiddlewareHandler<RouteEnv>[] =
    roles === 'public'
      ? [publicCaller()]
      : [identify(authenticator), auditTrail(route, trail), ...(rateLimiter ? [limitRate(rateLimiter)] : []), requireCaller(), requireRole(roles)];
  return [...guard, readParameters(route), ...(route.body ? [readJsonBody(route)] : [])];
}

function publicCaller(): MiddlewareHandler<RouteEnv> {
  return async (c, next) => {
    c.set('caller', ANONYMOUS_CALLER);
    c.set('audit', undefined);
    c.set('audited', { params: {}, body: undefined });
    await next();
  };
}
