import Type, { type TSchema } from 'typebox';
import { DEPLOYMENT_STATUSES, DeploymentSchema, literalUnion } from '../../domain/shapes.js';
import { notFound } from '../../errors.js';
import type { ApiContext } from '../apiContext.js';
import {
  EnvironmentSchema,
  PipelineSchema,
  PromotionSchema,
  ServiceSchema,
  environmentView,
  pipelineView,
  promotionView,
  serviceView,
} from '../configViews.js';
import { decodeCursor, keysetPage, PageQuery, pageOf, pageOfList } from '../pagination.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { json } from '../answers.js';
import type { ModelIndex } from '../../config/modelIndex.js';

const NameParam = Type.Object({ name: Type.String({ minLength: 1, maxLength: 255 }) });

interface ConfigCollection {
  path: string;
  /** The singular, capitalised, for operation ids (`Environment`: `listEnvironments`, `getEnvironment`). */
  noun: string;
  what: string;
  schema: TSchema;
  list: (model: ModelIndex) => unknown[];
  one: (model: ModelIndex, name: string) => unknown;
}

/** List and lookup routes of one configuration collection, in file order. */
function collectionRoutes(api: ApiContext, { path, noun, what, schema, list, one }: ConfigCollection): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path,
      operationId: `list${noun}s`,
      tag: 'configuration',
      summary: `The configured ${what}s, in file order`,
      query: Type.Object(PageQuery),
      responses: { 200: { description: `A page of ${what}s`, schema: pageOf(schema) } },
      handler: ({ query, c }) => json(c, 200, pageOfList(list(api.model()), query)),
    }),
    defineRoute({
      method: 'get',
      path: `${path}/:name`,
      operationId: `get${noun}`,
      tag: 'configuration',
      summary: `One configured ${what}`,
      params: NameParam,
      responses: { 200: { description: `The ${what}`, schema } },
      errors: [404],
      handler({ params, c }) {
        const found = one(api.model(), params.name);
        if (found === undefined) throw notFound(`${what} "${params.name}"`);
        return json(c, 200, found);
      },
    }),
  ];
}

function requireEnvironment(api: ApiContext, name: string): void {
  if (!api.model().environments.has(name)) throw notFound(`environment "${name}"`);
}

export function configurationRoutes(api: ApiContext): RouteSpec[] {
  const mapped = <T, V>(value: T | undefined, view: (v: T) => V) => (value === undefined ? undefined : view(value));
  return [
    ...collectionRoutes(api, {
      path: '/api/environments',
      noun: 'Environment',
      what: 'environment',
      schema: EnvironmentSchema,
      list: (m) => m.model.environments.map(environmentView),
      one: (m, name) => mapped(m.environments.get(name), environmentView),
    }),
    defineRoute({
      method: 'get',
      path: '/api/environments/:name/deployments',
      operationId: 'listEnvironmentDeployments',
      tag: 'deployments',
      summary: 'Deployment history of an environment, oldest first',
      params: NameParam,
      query: Type.Object({ service: Type.Optional(Type.String()), status: Type.Optional(literalUnion(DEPLOYMENT_STATUSES)), ...PageQuery }),
      responses: { 200: { description: 'A page of deployments', schema: pageOf(DeploymentSchema) } },
      errors: [404],
      async handler({ params, query, c }) {
        requireEnvironment(api, params.name);
        const page = await api.reads.deployments(
          { environment: params.name, service: query.service, status: query.status },
          { after: decodeCursor(query.cursor), limit: query.limit ?? 50 },
        );
        return json(c, 200, keysetPage(page));
      },
    }),
    ...collectionRoutes(api, {
      path: '/api/services',
      noun: 'Service',
      what: 'service',
      schema: ServiceSchema,
      list: (m) => m.model.services.map(serviceView),
      one: (m, name) => mapped(m.services.get(name), serviceView),
    }),
    ...collectionRoutes(api, {
      path: '/api/pipelines',
      noun: 'Pipeline',
      what: 'pipeline',
      schema: PipelineSchema,
      list: (m) => m.model.pipelines.map(pipelineView),
      one: (m, name) => mapped(m.pipelines.get(name), pipelineView),
    }),
    ...collectionRoutes(api, {
      path: '/api/promotions',
      noun: 'Promotion',
      what: 'promotion',
      schema: PromotionSchema,
      list: (m) => m.model.promotions.map(promotionView),
      one: (m, name) => mapped(m.promotions.get(name), promotionView),
    }),
  ];
}
