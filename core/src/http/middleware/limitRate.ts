import type { Context, MiddlewareHandler } from 'hono';
import { RefusalWithHeaders } from '../answers.js';
import type { RateLimiter } from '../rateLimit.js';
import type { RouteEnv } from './routeEnv.js';

/** `server.rateLimit`: 429 with `Retry-After` beyond it, per token (per client address without a valid one). */
export function limitRate(limiter: RateLimiter): MiddlewareHandler<RouteEnv> {
  return async (c, next) => {
    const caller = c.get('caller');
    const retryAfter = limiter.take(caller?.name ? `token:${caller.name}` : `address:${clientAddress(c)}`);
    if (retryAfter > 0) {
      throw new RefusalWithHeaders('rate_limited', `too many requests: retry in ${retryAfter} s`, { 'retry-after': String(retryAfter) });
    }
    await next();
  };
}

/** The peer address of the connection (not a forwarded header, which any client may write). */
function clientAddress(c: Context): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'unknown';
}
