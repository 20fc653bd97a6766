import Type from 'typebox';
import { DoraReportSchema } from '../../domain/dora.js';
import { DeployDbError, notFound } from '../../errors.js';
import type { ApiContext } from '../apiContext.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { json } from '../answers.js';
import { momentOf, momentQuery } from '../moments.js';
import { EARLIEST_TIME } from '../../store/timestamps.js';

const DAY_MS = 86_400_000;

/** DORA metrics (CONTRACT §11). */
export function doraRoutes(api: ApiContext): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/metrics/dora',
      operationId: 'getDoraMetrics',
      tag: 'metrics',
      summary: "DORA metrics: deployment frequency, lead time, change failure rate, time to restore (defaults: every service, each one's last environment, the last 30 days)",
      query: Type.Object({
        service: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
        environment: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
        from: Type.Optional(momentQuery('start of the window (default: 30 days before `to`)')),
        to: Type.Optional(momentQuery('end of the window (default: now)')),
      }),
      responses: { 200: { description: 'The figures, over everything asked and per service and environment', schema: DoraReportSchema } },
      errors: [404],
      async handler({ query, c }) {
        const model = api.model();
        if (query.service !== undefined && !model.services.has(query.service)) throw notFound(`service "${query.service}"`);
        if (query.environment !== undefined && !model.environments.has(query.environment)) throw notFound(`environment "${query.environment}"`);
        const to = momentOf(query.to, 'to') ?? api.now();
        const from = momentOf(query.from, 'from') ?? new Date(Math.max(to.getTime() - 30 * DAY_MS, EARLIEST_TIME));
        if (from.getTime() > to.getTime()) {
          throw new DeployDbError('bad_request', 'invalid query parameter', [{ path: '/from', message: '"from" is after "to"' }]);
        }
        return json(c, 200, await api.dora({ service: query.service, environment: query.environment }, { from, to }));
      },
    }),
  ];
}
