import Type from 'typebox';
import type { ApiContext, Reloaded } from '../apiContext.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { json } from '../answers.js';

const HealthSchema = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('down')]),
  checks: Type.Record(Type.String(), Type.Object({ status: Type.String(), detail: Type.Optional(Type.String()) })),
  installationId: Type.String({ format: 'uuid', description: 'This installation (kept in its database); its bus names and consumer groups are its own' }),
});

/** Health, metrics, the API description, and admin reload. */
export function systemRoutes(api: ApiContext): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/health',
      operationId: 'getHealth',
      tag: 'system',
      summary: 'Readiness, with a check per component',
      roles: 'public',
      responses: { 200: { description: 'Ready', schema: HealthSchema }, 503: { description: 'Not ready (starting, stopping, or a component down)', schema: HealthSchema } },
      async handler({ c }) {
        const report = await api.health();
        return json(c, report.ready ? 200 : 503, { status: report.status, checks: report.checks, installationId: report.installationId });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/metrics',
      operationId: 'getMetrics',
      tag: 'system',
      summary: 'Prometheus metrics',
      roles: 'public',
      responses: { 200: { description: 'Prometheus text format', contentType: 'text/plain', schema: Type.String() } },
      async handler({ c }) {
        const { contentType, body } = await api.metricsText();
        return c.newResponse(body, 200, { 'content-type': contentType });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/openapi.json',
      operationId: 'getOpenApiDocument',
      tag: 'system',
      summary: 'This API, OpenAPI 3.1',
      roles: 'public',
      responses: { 200: { description: 'The OpenAPI document', schema: Type.Object({}, { additionalProperties: true }) } },
      handler: ({ c }) => json(c, 200, api.openapi()),
    }),
    defineRoute({
      method: 'get',
      path: '/asyncapi.json',
      operationId: 'getAsyncApiDocument',
      tag: 'system',
      summary: 'The events DeployDB publishes and the triggers it takes, on NATS, Redis and webhooks: AsyncAPI 3.0',
      roles: 'public',
      responses: { 200: { description: 'The AsyncAPI document', schema: Type.Object({}, { additionalProperties: true }) } },
      handler: ({ c }) => json(c, 200, api.asyncapi()),
    }),
    defineRoute({
      method: 'post',
      path: '/api/admin/reload',
      operationId: 'reloadConfiguration',
      tag: 'system',
      summary: 'Reload deploydb.yaml; an invalid file is refused (422 listing its errors) and the old one stays',
      roles: ['admin'],
      responses: { 200: { description: 'Reloaded', schema: Type.Object({ status: Type.Literal('reloaded') }) } },
      errors: [401, 403, 422],
      audit: {
        action: 'config.reload',
        target: () => 'config',
        detail: (_, answer?: Reloaded) => (answer ? { snapshotId: answer.snapshotId } : {}),
      },
      async handler({ audit, c }) {
        await api.reload(audit);
        return json(c, 200, { status: 'reloaded' });
      },
    }),
  ];
}
