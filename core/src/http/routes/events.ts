import type { ServerResponse } from 'node:http';
import Type from 'typebox';
import { DeployDbError } from '../../errors.js';
import { streamFilter } from '../../events/stream/streamFilter.js';
import type { ApiContext } from '../apiContext.js';
import { defineRoute, type RouteSpec } from '../route.js';

/** One glob or several, comma-separated, over event types without `deploydb.`. */
const TYPES_PATTERN = '^[A-Za-z0-9._*?-]+(,[A-Za-z0-9._*?-]+)*$';
const EVENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The live event stream (CONTRACT §12). */
export function eventRoutes(api: ApiContext): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/events/stream',
      operationId: 'streamEvents',
      tag: 'events',
      summary:
        'Server-Sent Events: every outbound event as it happens (`id:` the event id, `event:` its type, `data:` the CloudEvent). ' +
        'A `Last-Event-ID` header resumes after that event with the ones missed that are still retained; a comment line every 15 s keeps the connection open',
      query: Type.Object({
        types: Type.Optional(Type.String({ pattern: TYPES_PATTERN, maxLength: 2000, description: 'Globs over the type without `deploydb.`, comma-separated: `deployment.*,flow.completed`' })),
        environment: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'Deployment and promotion events of this environment only' })),
        service: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'Deployment, promotion and flow events of this service only' })),
      }),
      responses: {
        200: { description: 'The stream, until the client or the server closes it', contentType: 'text/event-stream', schema: Type.String() },
      },
      async handler({ query, c }) {
        const lastEventId = c.req.header('last-event-id')?.trim() || undefined;
        if (lastEventId !== undefined && !EVENT_ID.test(lastEventId)) {
          throw new DeployDbError('bad_request', 'Last-Event-ID must be the id of an event this stream sent', [{ path: '/headers/last-event-id', message: 'not an event id' }]);
        }
        const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
        const client = await api.eventStream.subscribe({
          matches: streamFilter({ types: query.types?.split(','), environment: query.environment, service: query.service }),
          lastEventId,
          forceClose: () => outgoing?.destroy(),
        });
        return c.newResponse(client.body, 200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache',
          // Proxies that buffer responses would hold events back.
          'x-accel-buffering': 'no',
        });
      },
    }),
  ];
}
