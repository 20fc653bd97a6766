import type { paths } from './schema';
import type { DeploymentKind, PendingPaths } from './pendingPaths';

export type { AuditEntry, DeploymentKind, DiffItem, Dora, DoraFigures, HistoryEntry, Percentiles } from './pendingPaths';

/** Every path the dashboard calls: the server's description, and the contract's routes it lacks yet. */
export type ApiPaths = paths & PendingPaths;

/** The JSON body of a path's 200 (or other) answer. */
export type Answer<P extends keyof paths, M extends 'get' | 'post' | 'patch', S extends number = 200> = paths[P][M] extends {
  responses: { [K in S]: { content: { 'application/json': infer T } } };
}
  ? T
  : never;

/** CONTRACT §4 fields the described shapes do not carry yet; they are read when present. */
interface ArtifactAdditions {
  revision?: string | null;
  committedAt?: string | null;
}
interface DeploymentAdditions {
  kind?: DeploymentKind;
  statusAt?: string;
  reason?: string | null;
}

export type Artifact = Answer<'/api/artifacts/{id}', 'get'> & ArtifactAdditions;
export type PromotionResult = Answer<'/api/deployments/{id}/promotions/{resultId}', 'get'>;
export type Deployment = Omit<Answer<'/api/deployments/{id}', 'get'>, 'artifact'> & { artifact: Artifact } & DeploymentAdditions;
export type Flow = Omit<Answer<'/api/flows/{id}', 'get'>, 'deployments' | 'artifact'> & { artifact: Artifact; deployments: Deployment[] };
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
export interface ServiceEnvironment {
  environment: string;
  current: Deployment | null;
  inFlight: Deployment | null;
}

/** A CloudEvent of the live stream (CONTRACT §5, §12). */
export interface DeployDbEvent {
  id: string;
  type: string;
  time: string;
  subject: string;
  data: unknown;
}
