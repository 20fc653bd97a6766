import type { Artifact, Deployment, Flow, PromotionResult } from '../domain/shapes.js';

/**
 * The API's shapes as the client commands read them: the contract's, with the fields a server
 * of an older version may lack marked optional.
 */
export type DeploymentView = Deployment & { kind?: string; statusAt?: string; reason?: string | null };

export type { Artifact, Flow, PromotionResult };

/** One item of `GET /api/services/{name}/environments`. */
export interface ServiceEnvironment {
  environment: string;
  current: DeploymentView | null;
  inFlight: DeploymentView | null;
}

/** A service as `GET /api/services` lists it. */
export interface ServiceView {
  key: string;
  name: string;
  artifacts: string[];
  pipelines: string[];
}
