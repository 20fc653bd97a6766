import type { ArtifactRow, DeploymentRow, PromotionResultRow } from './rows.js';
import { deploymentView } from './views.js';
import type { Deployment } from './shapes.js';
import type { CommandScope } from './commandScope.js';

/**
 * A deployment as a command works on it: its row locked for the transaction, its artifact and
 * its promotion results. Commands change these objects and persist each change as they go,
 * so events made from them show what is stored.
 */
export interface DeploymentState {
  row: DeploymentRow;
  artifact: ArtifactRow;
  results: PromotionResultRow[];
}

/**
 * Locks a deployment's row (`SELECT ... FOR UPDATE`) and reads what goes with it, then locks
 * its placement (what runs in its environment for its service) and moves the command's time past
 * the last change there. Every command that changes a deployment or its results takes these
 * locks first, so each transition happens once however many reports race, and changes to what
 * runs where are written in the order they happened.
 */
export async function lockDeployment(scope: CommandScope, id: number): Promise<DeploymentState | null> {
  const state = await scope.store.lockDeployment(id);
  if (state) scope.advancePast(await scope.store.placements.lock(state.row));
  return state;
}

export function viewOf(state: DeploymentState): Deployment {
  return deploymentView(state.row, state.artifact, state.results);
}

export async function updateDeployment(scope: CommandScope, row: DeploymentRow, changes: Partial<DeploymentRow>): Promise<void> {
  Object.assign(row, changes);
  await scope.store.updateDeployment(row.id, changes);
}

export async function updateResult(scope: CommandScope, row: PromotionResultRow, changes: Partial<PromotionResultRow>): Promise<void> {
  Object.assign(row, changes);
  await scope.store.updateResult(row.id, changes);
}
