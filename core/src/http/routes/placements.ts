import Type from 'typebox';
import { RollbackInput } from '../../domain/inputs.js';
import { ArtifactSchema, DEPLOYMENT_KINDS, DEPLOYMENT_STATUSES, DeploymentSchema, literalUnion, type Deployment } from '../../domain/shapes.js';
import { notFound } from '../../errors.js';
import type { ApiContext } from '../apiContext.js';
import { decodeTimeCursor, encodeTimeCursor, pageOf, PageQuery } from '../pagination.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { json } from '../answers.js';
import { momentOf, momentQuery } from '../moments.js';

/**
 * What runs where (CONTRACT §4, §11): per environment and per service, now or at any past
 * moment (`?at=`), the history of what was current, the difference between two environments,
 * and rollback.
 */

const Key = Type.String({ minLength: 1, maxLength: 255 });

/** `?at=`: a past moment to answer as of; in the future it answers as now. */
const AtQuery = {
  at: Type.Optional(momentQuery('answer as of this moment (ISO-8601; a date alone is its midnight UTC)')),
};

export const CurrentDeploymentSchema = Type.Object(
  {
    service: Type.String(),
    artifact: ArtifactSchema,
    deploymentId: Type.Integer(),
    status: literalUnion(DEPLOYMENT_STATUSES),
    since: Type.String({ format: 'date-time', description: 'when it reached that status' }),
  },
  { $id: 'CurrentDeployment' },
);

export const ServiceEnvironmentSchema = Type.Object(
  {
    environment: Type.String(),
    current: Type.Union([DeploymentSchema, Type.Null()]),
    inFlight: Type.Union([DeploymentSchema, Type.Null()]),
  },
  { $id: 'ServiceEnvironment' },
);

export const HistoryEntrySchema = Type.Object(
  {
    deploymentId: Type.Integer(),
    artifact: ArtifactSchema,
    kind: literalUnion(DEPLOYMENT_KINDS),
    status: literalUnion(DEPLOYMENT_STATUSES),
    from: Type.String({ format: 'date-time', description: 'when it became current' }),
    to: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'when it stopped being current; null while it is' }),
  },
  { $id: 'HistoryEntry' },
);

const DiffSide = Type.Union([Type.Object({ deploymentId: Type.Integer(), artifact: ArtifactSchema }), Type.Null()]);
export const DiffItemSchema = Type.Object(
  { service: Type.String(), a: DiffSide, b: DiffSide, same: Type.Boolean({ description: 'both run the same artifact' }) },
  { $id: 'EnvironmentDiffItem' },
);

export function placementRoutes(api: ApiContext): RouteSpec[] {
  const environmentOf = (name: string) => {
    if (!api.model().environments.has(name)) throw notFound(`environment "${name}"`);
    return name;
  };
  const serviceOf = (name: string) => {
    const service = api.model().services.get(name);
    if (!service) throw notFound(`service "${name}"`);
    return service;
  };
  /** Sorts items by the services' order in the configuration (then by name, for services no longer configured). */
  const inServiceOrder = <T extends { service: string }>(items: T[]) => {
    const order = new Map(api.model().model.services.map((s, i) => [s.key, i]));
    return items.sort((a, b) => (order.get(a.service) ?? Infinity) - (order.get(b.service) ?? Infinity) || a.service.localeCompare(b.service));
  };

  return [
    defineRoute({
      method: 'get',
      path: '/api/environments/:name/services',
      operationId: 'getEnvironmentServices',
      tag: 'placements',
      summary: 'What runs in an environment: per service, its current deployment and since when (now, or ?at= a past moment)',
      params: Type.Object({ name: Key }),
      query: Type.Object(AtQuery),
      responses: { 200: { description: 'One item per service with a current deployment there, in configuration order', schema: Type.Array(CurrentDeploymentSchema) } },
      errors: [404],
      async handler({ params, query, c }) {
        const current = await api.placements.currentIn(environmentOf(params.name), momentOf(query.at, 'at'));
        return json(c, 200, inServiceOrder(current));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/services/:name/environments',
      operationId: 'getServiceEnvironments',
      tag: 'placements',
      summary: 'A service in each environment of its pipelines, in pipeline order: the current deployment and the one in flight (now, or ?at=)',
      params: Type.Object({ name: Key }),
      query: Type.Object(AtQuery),
      responses: { 200: { description: 'One item per environment', schema: Type.Array(ServiceEnvironmentSchema) } },
      errors: [404],
      async handler({ params, query, c }) {
        const service = serviceOf(params.name);
        return json(c, 200, await api.placements.serviceIn(service.key, api.model().environmentsOf(service), momentOf(query.at, 'at')));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/services/:name/environments/:env/history',
      operationId: 'getServiceHistory',
      tag: 'placements',
      summary: 'Each time a deployment became current there, newest first, with when it stopped being current',
      params: Type.Object({ name: Key, env: Key }),
      query: Type.Object(PageQuery),
      responses: { 200: { description: 'A page of history, newest first', schema: pageOf(HistoryEntrySchema) } },
      errors: [404],
      async handler({ params, query, c }) {
        const service = serviceOf(params.name);
        if (!api.model().environmentsOf(service).includes(params.env)) throw notFound(`environment "${params.env}" of service "${service.key}"`);
        const page = await api.placements.history(service.key, params.env, { after: decodeTimeCursor(query.cursor), limit: query.limit ?? 50 });
        return json(c, 200, { items: page.rows, nextCursor: page.next ? encodeTimeCursor(page.next) : null });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/environments/:a/diff/:b',
      operationId: 'diffEnvironments',
      tag: 'placements',
      summary: 'What differs between two environments: per service whose pipelines include either, what runs in each (now, or ?at=)',
      params: Type.Object({ a: Key, b: Key }),
      query: Type.Object(AtQuery),
      responses: { 200: { description: 'One item per service, in configuration order', schema: Type.Array(DiffItemSchema) } },
      errors: [404],
      async handler({ params, query, c }) {
        const at = momentOf(query.at, 'at');
        const both = await api.placements.currentInEach([environmentOf(params.a), environmentOf(params.b)], at);
        const [a, b] = [both.get(params.a) ?? [], both.get(params.b) ?? []];
        const model = api.model();
        const services = model.model.services.filter((s) => model.environmentsOf(s).some((e) => e === params.a || e === params.b));
        const side = (list: typeof a, service: string) => {
          const found = list.find((item) => item.service === service);
          return found ? { deploymentId: found.deploymentId, artifact: found.artifact } : null;
        };
        return json(
          c,
          200,
          services.map((s) => {
            const left = side(a, s.key);
            const right = side(b, s.key);
            return { service: s.key, a: left, b: right, same: left !== null && right !== null && left.artifact.id === right.artifact.id };
          }),
        );
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/services/:name/environments/:env/rollback',
      operationId: 'rollbackService',
      tag: 'placements',
      summary: 'Roll back: record a direct deployment of kind rollback of the artifact current there before the current one, or of `to`',
      roles: ['ci', 'admin'],
      params: Type.Object({ name: Key, env: Key }),
      body: RollbackInput,
      responses: { 201: { description: 'The rollback deployment, CREATED', schema: DeploymentSchema, headers: { Location: 'the deployment URL' } } },
      errors: [404, 409, 413, 415, 422],
      audit: {
        action: 'deployment.rollback',
        target: ({ params }, answer?: Deployment) => (answer ? `deployments/${answer.id}` : `services/${params.name}/environments/${params.env}`),
        detail: ({ params, body }, answer?: Deployment) => ({
          service: params.name,
          environment: params.env,
          ...(body?.to !== undefined ? { to: body.to } : {}),
          ...(answer ? { artifactId: answer.artifact.id } : {}),
        }),
      },
      async handler({ params, body, audit, c }) {
        const deployment = await api.ledger.rollback(params.name, params.env, body, audit);
        return json(c, 201, deployment, { location: `/api/deployments/${deployment.id}` });
      },
    }),
  ];
}
