import type { MiddlewareHandler } from 'hono';
import type { Role } from '../../config/model.js';
import { DeployDbError } from '../../errors.js';
import type { RouteEnv } from './routeEnv.js';

/** 403 unless the caller has one of the roles. */
export function requireRole(roles: readonly Role[]): MiddlewareHandler<RouteEnv> {
  return async (c, next) => {
    const caller = c.get('caller')!;
    if (!roles.some((role) => caller.roles.includes(role))) throw new DeployDbError('forbidden', `this needs role ${roles.join(' or ')}`);
    await next();
  };
}
