import type { DeploymentRow } from './rows.js';
import type { CommandScope } from './commandScope.js';
import type { DeploymentStatus } from './shapes.js';

const inFlight = (status: DeploymentStatus) => status === 'CREATED' || status === 'STARTED';

/**
 * What a deployment's status change does to what runs where (domain/placementTimeline.ts): leaving
 * flight hands "in flight" to the next one, completing makes it current, failing after completion
 * hands "current" back to the newest completed one still standing. Runs in the command that
 * changes the status, which holds the placement locked (deploymentState.ts `lockDeployment`).
 */
export async function placementAfterStatus(scope: CommandScope, row: DeploymentRow, from: DeploymentStatus, to: DeploymentStatus): Promise<void> {
  const key = { environment: row.environment, service: row.service };
  const { placements } = scope.store;
  if (inFlight(from) && (to === 'COMPLETED' || to === 'FAILED')) await placements.stoppedHolding(key, 'in_flight', row.id, scope.now);
  if (to === 'COMPLETED') await placements.becameCurrent(key, row.id, scope.now);
  if (from === 'COMPLETED' && to === 'FAILED') await placements.stoppedHolding(key, 'current', row.id, scope.now);
}
