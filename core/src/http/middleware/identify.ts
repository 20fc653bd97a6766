import type { MiddlewareHandler } from 'hono';
import type { Authenticator } from '../auth.js';
import type { RouteEnv } from './routeEnv.js';

/**
 * Who calls: the caller of the bearer token (an anonymous admin without `auth`), or null with the
 * reason, answered as 401 by {@link requireCaller} once the rate limit counted the request.
 */
export function identify(authenticator: () => Authenticator): MiddlewareHandler<RouteEnv> {
  return async (c, next) => {
    try {
      c.set('caller', authenticator().authenticate(c.req.header('authorization')));
    } catch (error) {
      c.set('caller', null);
      c.set('authFailure', error);
    }
    await next();
  };
}

/** 401 for a missing or unknown token. */
export function requireCaller(): MiddlewareHandler<RouteEnv> {
  return async (c, next) => {
    if (c.get('caller') === null) throw c.get('authFailure');
    await next();
  };
}
