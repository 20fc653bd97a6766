import type { DeploymentKind, DeploymentStatus, FlowStatus, PromotionStatus } from './shapes.js';

/**
 * The ledger's records as commands work on them (the store keeps them as tables: store/entities.ts).
 * Rows reference each other by plain integer ids.
 */

export interface ArtifactRow {
  id: number;
  group: string;
  name: string;
  version: string;
  sourceUrl: string;
  /** The source revision (e.g. a commit SHA), when CI gave it. */
  revision: string | null;
  /** When that revision was committed, when CI gave it: where lead time starts. */
  committedAt: Date | null;
  createdAt: Date;
}

export interface FlowRow {
  id: number;
  artifactId: number;
  service: string;
  pipeline: string;
  status: FlowStatus;
  snapshotId: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface DeploymentRow {
  id: number;
  /** The flow that made it; null for a direct deployment. */
  flowId: number | null;
  artifactId: number;
  service: string;
  /** The flow's pipeline; null for a direct deployment. */
  pipeline: string | null;
  environment: string;
  /** Position of the environment in the flow's pipeline; null for a direct deployment. */
  stage: number | null;
  /** The configuration snapshot it was made with (a flow's, copied here so commands need not read the flow). */
  snapshotId: number;
  kind: DeploymentKind;
  status: DeploymentStatus;
  /** Every status this deployment has had, oldest first: what makes a repeated report a repeat. */
  history: DeploymentStatus[];
  /** The last reason reported for it. */
  reason: string | null;
  /** The reason reported with each status it reached (at creation: CREATED), where one was; null while none was. */
  reasons: Partial<Record<DeploymentStatus, string>> | null;
  /** When it reached its current status. */
  statusAt: Date;
  /** When it reached each status (each happens at most once; CREATED is `createdAt`). */
  startedAt: Date | null;
  completedAt: Date | null;
  verifiedAt: Date | null;
  failedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What says which deployment is made; everything else of a new one follows from it. */
export type NewDeployment = Pick<DeploymentRow, 'id' | 'flowId' | 'artifactId' | 'service' | 'pipeline' | 'environment' | 'stage' | 'snapshotId' | 'kind' | 'reason'>;

/** A deployment as it is made at `now`: CREATED, nothing else happened to it yet. */
export function createdDeployment(deployment: NewDeployment, now: Date): DeploymentRow {
  return {
    ...deployment,
    status: 'CREATED',
    history: ['CREATED'],
    reasons: deployment.reason === null ? null : { CREATED: deployment.reason },
    statusAt: now,
    startedAt: null,
    completedAt: null,
    verifiedAt: null,
    failedAt: null,
    createdAt: now,
    updatedAt: now,
  };
}

export interface PromotionResultRow {
  id: number;
  deploymentId: number;
  /** Config order within the deployment. */
  position: number;
  promotion: string;
  type: string;
  status: PromotionStatus;
  infoUrl: string | null;
  reason: string | null;
  actor: string | null;
  /** What the evaluations found (HTTP statuses, build URLs, per-host outcomes). */
  evidence: Record<string, unknown> | null;
  /** The plugin's own progress between evaluations. */
  state: unknown;
  attempts: number;
  /** Evaluations in a row that threw or timed out; reset by any answer. */
  errors: number;
  /** When the worker should evaluate it next; null while it waits for a report or is settled. */
  nextCheckAt: Date | null;
  /** Held by the instance evaluating it until then. */
  leaseUntil: Date | null;
  /** When it became SUCCESS or FAILED. */
  settledAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface PromotionReportRow {
  id: number;
  resultId: number;
  status: 'SUCCESS' | 'FAILED';
  infoUrl: string | null;
  reason: string | null;
  actor: string | null;
  createdAt: Date;
}
