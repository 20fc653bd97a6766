import Type from 'typebox';
import { DELIVERY_STATUSES, DeliverySchema, type Delivery } from '../../events/webhooks/deliveryStore.js';
import type { WebhookDeliveries } from '../../events/webhooks/deliveries.js';
import { decodeCursor, keysetPage, PageQuery, pageOf } from '../pagination.js';
import { defineRoute, IdParam, type RouteSpec } from '../route.js';
import { json } from '../answers.js';

/** Outbound webhook deliveries: list them, send a failed one again (CONTRACT §4, §5). */
export function webhookRoutes(deliveries: () => WebhookDeliveries): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/webhooks/deliveries',
      operationId: 'listWebhookDeliveries',
      tag: 'webhooks',
      summary: 'List outbound webhook deliveries, optionally of one status (admin: deliveries name receivers’ URLs)',
      roles: ['admin'],
      query: Type.Object({ status: Type.Optional(Type.Union(DELIVERY_STATUSES.map((s) => Type.Literal(s)))), ...PageQuery }),
      responses: { 200: { description: 'A page of deliveries', schema: pageOf(DeliverySchema) } },
      errors: [401, 403],
      async handler({ query, c }) {
        const page = await deliveries().list({ status: query.status }, { after: decodeCursor(query.cursor), limit: query.limit ?? 50 });
        return json(c, 200, keysetPage(page));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/webhooks/deliveries/:id/retry',
      operationId: 'retryWebhookDelivery',
      tag: 'webhooks',
      summary: 'Send a failed delivery again, with a fresh budget of its webhook’s retry attempts',
      roles: ['admin'],
      params: Type.Object({ id: IdParam }),
      responses: { 202: { description: 'The delivery, pending again', schema: DeliverySchema } },
      errors: [404, 409],
      audit: {
        action: 'webhook.retry',
        target: ({ params }) => `webhooks/deliveries/${params.id}`,
        detail: (_, answer?: Delivery) => (answer ? { eventId: answer.eventId, eventType: answer.eventType } : {}),
      },
      async handler({ params, audit, c }) {
        return json(c, 202, await deliveries().retry(params.id, audit));
      },
    }),
  ];
}
