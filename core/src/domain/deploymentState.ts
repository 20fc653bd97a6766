import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  ArtifactEntity,
  DeploymentEntity,
  PromotionResultEntity,
  type ArtifactRow,
  type DeploymentRow,
  type PromotionResultRow,
} from '../store/entities.js';
import { deploymentView } from '../store/views.js';
import { lockPlacement } from '../store/placements.js';
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

const plain = { disableIdentityMap: true } as const;

/**
 * Locks a deployment's row (`SELECT ... FOR UPDATE`) and reads what goes with it, then locks
 * its placement (what runs in its environment for its service) and moves the command's time past
 * the last change there. Every command that changes a deployment or its results takes these
 * locks first, so each transition happens once however many reports race, and changes to what
 * runs where are written in the order they happened.
 */
export async function lockDeployment(scope: CommandScope, id: number): Promise<DeploymentState | null> {
  const state = await loadDeployment(scope.em, id, true);
  if (state) scope.advancePast(await lockPlacement(scope.sql, state.row));
  return state;
}

/** Reads a deployment with its artifact and results; `lock` takes the row lock (inside a transaction). */
export async function loadDeployment(em: EntityManager, id: number, lock: boolean): Promise<DeploymentState | null> {
  const row = await em.findOne(DeploymentEntity, id, lock ? { ...plain, lockMode: LockMode.PESSIMISTIC_WRITE } : plain);
  if (!row) return null;
  const artifact = await em.findOneOrFail(ArtifactEntity, row.artifactId, plain);
  const results = await em.find(PromotionResultEntity, { deploymentId: id }, { ...plain, orderBy: { position: 'asc' } });
  return { row, artifact, results };
}

export function viewOf(state: DeploymentState): Deployment {
  return deploymentView(state.row, state.artifact, state.results);
}

export async function updateDeployment(em: EntityManager, row: DeploymentRow, changes: Partial<DeploymentRow>): Promise<void> {
  Object.assign(row, changes);
  await em.nativeUpdate(DeploymentEntity, { id: row.id }, changes);
}

export async function updateResult(em: EntityManager, row: PromotionResultRow, changes: Partial<PromotionResultRow>): Promise<void> {
  Object.assign(row, changes);
  await em.nativeUpdate(PromotionResultEntity, { id: row.id }, changes);
}
