import type { Artifact, Deployment } from '../domain/shapes.js';
import type { ArtifactInput, DeploymentReportInput, DirectDeploymentInput } from '../domain/inputs.js';
import type { HealthCheck } from './health.js';
import type { ProvidedService } from './serviceRef.js';
import type { EventSubscription } from './subscriber.js';

export type { ArtifactInput, DeploymentReportInput, DirectDeploymentInput } from '../domain/inputs.js';

/**
 * The ledger's commands, as the HTTP API runs them (the same validation, events and audit
 * entries), acting as the caller `source:<plugin id>`. Bad input throws a `DeployDbError`.
 */
export interface SourceCommands {
  /** `source:<plugin id>`: the actor of the audit entries these commands write. */
  readonly actor: string;
  /**
   * Registers an artifact (starting its flows, as `POST /api/artifacts`). One already registered
   * is not an error: it answers `created: false` with the stored artifact.
   */
  registerArtifact(input: ArtifactInput): Promise<{ artifact: Artifact; created: boolean }>;
  /** A deployer's report on a deployment (as `POST /api/deployments/{id}/report`). */
  reportDeployment(deploymentId: number, report: DeploymentReportInput): Promise<Deployment>;
  /** Records a deployment outside any flow (as `POST /api/deployments`). */
  recordDeployment(input: DirectDeploymentInput): Promise<Deployment>;
}

/** The instance a source plugin's `create` returns. It is started with the kernel, after the ledger is ready. */
export interface SourcePluginInstance {
  /** Services this plugin provides, one per reference in its `provides`. */
  services?: readonly ProvidedService<any>[];
  /** Events the source follows, as a subscriber's (e.g. to mirror what is registered by other means). */
  subscribe?: readonly EventSubscription[];
  start?(): Promise<void>;
  stop?(): Promise<void>;
  health?(): Promise<HealthCheck>;
}
