import Type from 'typebox';
import { FLOW_STATUSES, FlowSchema, literalUnion } from '../../domain/shapes.js';
import { notFound } from '../../errors.js';
import type { ApiContext } from '../apiContext.js';
import { decodeCursor, keysetPage, PageQuery, pageOf } from '../pagination.js';
import { defineRoute, IdParam, type RouteSpec } from '../route.js';
import { json } from '../answers.js';

export function flowRoutes(api: ApiContext): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/flows',
      operationId: 'listFlows',
      tag: 'flows',
      summary: 'List flows, filtered by service, status or artifact id',
      query: Type.Object({
        service: Type.Optional(Type.String()),
        status: Type.Optional(literalUnion(FLOW_STATUSES)),
        artifact: Type.Optional(IdParam),
        ...PageQuery,
      }),
      responses: { 200: { description: 'A page of flows', schema: pageOf(FlowSchema) } },
      async handler({ query, c }) {
        const limit = query.limit ?? 50;
        const page = await api.reads.flows(
          { service: query.service, status: query.status, artifactId: query.artifact },
          { after: decodeCursor(query.cursor), limit },
        );
        return json(c, 200, keysetPage(page));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/flows/:id',
      operationId: 'getFlow',
      tag: 'flows',
      summary: 'One flow with its deployments',
      params: Type.Object({ id: IdParam }),
      responses: { 200: { description: 'The flow', schema: FlowSchema } },
      errors: [404],
      async handler({ params, c }) {
        const flow = await api.reads.flow(params.id);
        if (!flow) throw notFound(`flow ${params.id}`);
        return json(c, 200, flow);
      },
    }),
  ];
}
