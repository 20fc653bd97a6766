import type { paths } from './schema';

/** The JSON body of a path's 200 (or other) answer. */
export type Answer<P extends keyof paths, M extends 'get' | 'post' | 'patch', S extends number = 200> = paths[P][M] extends {
  responses: { [K in S]: { content: { 'application/json': infer T } } };
}
  ? T
  : never;

export type Artifact = Answer<'/api/artifacts/{id}', 'get'>;
export type PromotionResult = Answer<'/api/deployments/{id}/promotions/{resultId}', 'get'>;
export type Deployment = Answer<'/api/deployments/{id}', 'get'>;
export type DeploymentKind = Deployment['kind'];
export type Flow = Answer<'/api/flows/{id}', 'get'>;
export type ServiceConfig = Answer<'/api/services/{name}', 'get'>;
export type PipelineConfig = Answer<'/api/pipelines/{name}', 'get'>;
export type PromotionConfig = Answer<'/api/promotions/{name}', 'get'>;
export type EnvironmentConfig = Answer<'/api/environments/{name}', 'get'>;
export type Delivery = Answer<'/api/webhooks/deliveries', 'get'>['items'][number];
export type Caller = Answer<'/api/me', 'get'>;
export type Role = Caller['roles'][number];
export type DeploymentStatus = Deployment['status'];
export type PromotionStatus = PromotionResult['status'];
export type FlowStatus = Flow['status'];

/** What runs in one environment for a service: `GET /api/services/{name}/environments`. */
export type ServiceEnvironment = Answer<'/api/services/{name}/environments', 'get'>[number];
export type HistoryEntry = Answer<'/api/services/{name}/environments/{env}/history', 'get'>['items'][number];
export type DiffItem = Answer<'/api/environments/{a}/diff/{b}', 'get'>[number];
export type Dora = Answer<'/api/metrics/dora', 'get'>;
export type DoraFigures = Omit<Dora, 'from' | 'to' | 'services'>;
export type Percentiles = NonNullable<Dora['leadTimeSeconds']>;
export type AuditEntry = Answer<'/api/audit', 'get'>['items'][number];

/** A CloudEvent of the live stream (CONTRACT §5, §12). */
export interface DeployDbEvent {
  id: string;
  type: string;
  time: string;
  subject: string;
  data: unknown;
}
