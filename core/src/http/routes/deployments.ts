import Type from 'typebox';
import { DeploymentReportInput, DirectDeploymentInput, PromotionReportInput } from '../../domain/inputs.js';
import { DEPLOYMENT_STATUSES, DeploymentSchema, literalUnion, PromotionResultSchema, type Deployment, type PromotionResult } from '../../domain/shapes.js';
import { notFound } from '../../errors.js';
import type { ApiContext } from '../apiContext.js';
import { decodeCursor, keysetPage, PageQuery, pageOf } from '../pagination.js';
import { defineRoute, IdParam, type RouteSpec } from '../route.js';
import { json } from '../answers.js';

export const DeploymentFilterQuery = {
  service: Type.Optional(Type.String()),
  environment: Type.Optional(Type.String()),
  status: Type.Optional(literalUnion(DEPLOYMENT_STATUSES)),
  artifact: Type.Optional(IdParam),
};

/** What an auditor needs of a recorded deployment: where, what, which kind and status. */
function recordedDetail(body: DirectDeploymentInput): Record<string, unknown> {
  const artifact = body.artifactId !== undefined ? { artifactId: body.artifactId } : { artifact: body.artifact };
  return { service: body.service, environment: body.environment, ...artifact, kind: body.kind, status: body.status ?? 'CREATED' };
}

export function deploymentRoutes(api: ApiContext): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/deployments',
      operationId: 'listDeployments',
      tag: 'deployments',
      summary: 'List deployments, filtered by service, environment, status or artifact id',
      query: Type.Object({ ...DeploymentFilterQuery, ...PageQuery }),
      responses: { 200: { description: 'A page of deployments', schema: pageOf(DeploymentSchema) } },
      async handler({ query, c }) {
        const limit = query.limit ?? 50;
        const page = await api.reads.deployments(
          { service: query.service, environment: query.environment, status: query.status, artifactId: query.artifact },
          { after: decodeCursor(query.cursor), limit },
        );
        return json(c, 200, keysetPage(page));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/deployments',
      operationId: 'recordDeployment',
      tag: 'deployments',
      summary: 'Record a deployment outside any flow: a rollback, a hotfix, a deploy by hand (status CREATED unless given)',
      roles: ['ci', 'admin'],
      body: DirectDeploymentInput,
      responses: { 201: { description: 'The deployment recorded', schema: DeploymentSchema, headers: { Location: 'the deployment URL' } } },
      errors: [404, 413, 415, 422],
      audit: {
        action: 'deployment.record',
        target: (_, answer?: Deployment) => (answer ? `deployments/${answer.id}` : 'deployments'),
        detail: ({ body }) => (body ? recordedDetail(body as DirectDeploymentInput) : {}),
      },
      async handler({ body, audit, c }) {
        const deployment = await api.ledger.recordDeployment(body as DirectDeploymentInput, audit);
        return json(c, 201, deployment, { location: `/api/deployments/${deployment.id}` });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/deployments/:id',
      operationId: 'getDeployment',
      tag: 'deployments',
      summary: 'One deployment',
      params: Type.Object({ id: IdParam }),
      responses: { 200: { description: 'The deployment', schema: DeploymentSchema } },
      errors: [404],
      async handler({ params, c }) {
        const deployment = await api.reads.deployment(params.id);
        if (!deployment) throw notFound(`deployment ${params.id}`);
        return json(c, 200, deployment);
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/api/deployments/:id',
      operationId: 'reportDeployment',
      tag: 'deployments',
      summary: 'Report STARTED, COMPLETED or FAILED; a repeated report answers with the current state',
      roles: ['ci', 'admin'],
      params: Type.Object({ id: IdParam }),
      body: DeploymentReportInput,
      responses: { 200: { description: 'The deployment after the report', schema: DeploymentSchema } },
      errors: [404, 409, 422],
      audit: {
        action: 'deployment.report',
        target: ({ params }) => `deployments/${params.id}`,
        detail: ({ body }) => (body ? { status: body.status } : {}),
      },
      async handler({ params, body, audit, c }) {
        return json(c, 200, await api.ledger.reportDeployment(params.id, body, audit));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/deployments/:id/promotions',
      operationId: 'reportPromotionResult',
      tag: 'deployments',
      summary: "Report a promotion result (a manual approval or rejection, a CI callback); the promotion's plugin decides",
      roles: ['ci', 'approver', 'admin'],
      params: Type.Object({ id: IdParam }),
      body: PromotionReportInput,
      responses: { 201: { description: 'The promotion result after the report', schema: PromotionResultSchema } },
      errors: [403, 404, 409, 422],
      audit: {
        action: 'promotion.report',
        target: ({ params }, answer?: PromotionResult) => (answer ? `deployments/${params.id}/promotions/${answer.id}` : `deployments/${params.id}`),
        detail: ({ body }) => (body ? { promotion: body.name, status: body.status } : {}),
      },
      async handler({ params, body, caller, audit, c }) {
        return json(c, 201, await api.ledger.reportPromotion(params.id, body, caller, audit));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/deployments/:id/promotions/:resultId',
      operationId: 'getPromotionResult',
      tag: 'deployments',
      summary: 'One promotion result of a deployment',
      params: Type.Object({ id: IdParam, resultId: IdParam }),
      responses: { 200: { description: 'The promotion result', schema: PromotionResultSchema } },
      errors: [404],
      async handler({ params, c }) {
        const result = await api.reads.promotionResult(params.id, params.resultId);
        if (!result) throw notFound(`promotion result ${params.resultId} of deployment ${params.id}`);
        return json(c, 200, result);
      },
    }),
  ];
}
