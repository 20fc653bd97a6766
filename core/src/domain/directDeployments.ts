import { rowsFor } from '../store/batchInsert.js';
import { createdDeployment, type ArtifactRow } from './rows.js';
import type { CommandScope } from './commandScope.js';
import { viewOf, type DeploymentState } from './deploymentState.js';
import { deploymentKey, setStatus } from './progress.js';
import type { DirectDeploymentKind } from './shapes.js';

/** A deployment recorded outside any flow (CONTRACT §11), its references already checked. */
export interface DirectDeploymentSpec {
  service: string;
  environment: string;
  artifact: ArtifactRow;
  kind: DirectDeploymentKind;
  status: 'CREATED' | 'STARTED' | 'COMPLETED';
  reason: string | null;
  /** The configuration it was recorded under. */
  snapshotId: number;
}

/**
 * Records a direct deployment: created (in flight, unless recorded as already COMPLETED), then
 * moved to the status given, emitting `deployment.created` and then each status's event. It has
 * no promotion results and belongs to no flow. The caller holds the placement locked.
 */
export async function recordDirectDeployment(scope: CommandScope, spec: DirectDeploymentSpec): Promise<DeploymentState> {
  const { now } = scope;
  const ids = await scope.ids({ deployment: 1 });
  const row = createdDeployment(
    {
      id: ids.deployment[0]!,
      flowId: null,
      artifactId: spec.artifact.id,
      service: spec.service,
      pipeline: null,
      environment: spec.environment,
      stage: null,
      snapshotId: spec.snapshotId,
      kind: spec.kind,
      reason: spec.reason,
    },
    now,
  );
  scope.insertLater(rowsFor('deployment', [row]));
  // Recorded as done, it never was in flight.
  if (spec.status !== 'COMPLETED') scope.created({ environment: row.environment, service: row.service, deploymentId: row.id, createdAt: now });
  // Written now: the status change below updates the row and reads what runs where.
  await scope.flush();
  const state: DeploymentState = { row, artifact: spec.artifact, results: [] };
  scope.emit('deploydb.deployment.created', `deployments/${row.id}`, viewOf(state), deploymentKey(row.id));
  if (spec.status !== 'CREATED') await setStatus(scope, state, spec.status, null);
  return state;
}
