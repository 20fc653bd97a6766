import Type from 'typebox';
import { MAX_TRIGGER_BATCH, TRIGGER_TYPES, TriggerResponseSchema } from '../../events/triggers/triggerSchemas.js';
import type { TriggerService } from '../../events/triggers/triggerService.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { json } from '../answers.js';

/*
 * Deliberately loose: each event is checked by the trigger service, which names problems by
 * their place in the body (`/0/data/version`) and refuses the whole request on any of them.
 */
const CloudEventBody = Type.Object(
  {},
  {
    additionalProperties: true,
    description:
      `A CloudEvent 1.0 (structured JSON): {specversion?: "1.0", id, source, type, data}. type is one of ${TRIGGER_TYPES.join(', ')}; ` +
      'data: artifact.available {group, name, version, sourceUrl}; deployment.started|completed|failed {service, environment, ' +
      'artifact: {group, name, version}, reason?}; verification.completed {service, environment, artifact, promotion, ' +
      'status: "SUCCESS"|"FAILED", infoUrl?, reason?}.',
  },
);
const TriggerBody = Type.Union([CloudEventBody, Type.Array(Type.Unknown(), { description: `A batch of at most ${MAX_TRIGGER_BATCH} CloudEvents, handled in order` })]);

/** `POST /api/triggers`: the ledger's reports as CloudEvents, addressed by names (CONTRACT.md §6). */
export function triggerRoutes(triggers: Pick<TriggerService, 'handleBody'>): RouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/triggers',
      operationId: 'sendTriggers',
      tag: 'triggers',
      summary:
        'Report by CloudEvent (one, or a JSON array; application/json, application/cloudevents+json or application/cloudevents-batch+json); ' +
        'idempotent by source and id. One invalid event refuses the request (422) and applies nothing.',
      roles: ['ci', 'admin'],
      body: TriggerBody,
      responses: { 202: { description: 'One result per event, in order', schema: TriggerResponseSchema } },
      errors: [413, 415, 422],
      // Each event gets its own entry (see TriggerService); this one names a request refused whole.
      audit: {
        action: 'trigger',
        target: () => 'triggers',
        detail: ({ body }) => (body === undefined ? {} : { events: Array.isArray(body) ? body.length : 1 }),
      },
      async handler({ body, caller, audit, c }) {
        return json(c, 202, await triggers.handleBody(body, caller, audit));
      },
    }),
  ];
}
