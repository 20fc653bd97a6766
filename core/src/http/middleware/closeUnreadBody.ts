import type { Context, MiddlewareHandler } from 'hono';

const read = new WeakSet<Request>();

/** Notes that the request's body was read to the end. */
export function bodyWasRead(c: Context): void {
  read.add(c.req.raw);
}

/**
 * Closes the connection after an answer given without reading the request's body (refused before
 * it, or a route that takes none): the unread rest would otherwise come before the client's next
 * request on that connection, and that request would be lost.
 */
export function closeUnreadBody(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (!read.has(c.req.raw) && hasBody(c.req.raw)) c.res.headers.set('connection', 'close');
  };
}

/** Whether a request comes with a body (announced by its length or by chunked encoding). */
function hasBody(request: Request): boolean {
  const length = request.headers.get('content-length');
  return (length !== null && length !== '0') || request.headers.has('transfer-encoding');
}
