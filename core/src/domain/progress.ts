import { createdDeployment, type ArtifactRow, type DeploymentRow, type PromotionResultRow } from './rows.js';
import { promotionResultView } from './views.js';
import type { PromotionConfig } from '../config/model.js';
import type { Verdict } from '../plugin-api/promotion.js';
import type { FlowStatus } from './shapes.js';
import type { CommandScope, WriteScope } from './commandScope.js';
import { rowsFor } from '../store/batchInsert.js';
import { updateDeployment, updateResult, viewOf, type DeploymentState } from './deploymentState.js';
import { placementAfterStatus } from './placementEffects.js';

/**
 * How a flow moves on (CONTRACT §3): deployments created per stage, COMPLETED starting the
 * promotions, all promotions passing making it VERIFIED and the next stage's deployment, a
 * failure stopping the flow. Every step emits its event into the command's scope.
 */

export interface NewDeployment {
  flowId: number;
  artifact: ArtifactRow;
  service: string;
  pipeline: string;
  snapshotId: number;
  stage: number;
}

/** Events of one deployment are published in order: they share this key. */
export const deploymentKey = (id: number) => `deployment:${id}`;

/** What a new deployment needs, resolved from the flow's configuration snapshot. */
export interface DeploymentPlan {
  spec: NewDeployment;
  environment: string;
  promotions: PromotionConfig[];
}

export async function planDeployment(scope: WriteScope, spec: NewDeployment): Promise<DeploymentPlan> {
  const index = await scope.model(spec.snapshotId);
  const service = index.services.get(spec.service)!;
  const pipeline = index.pipelines.get(spec.pipeline)!;
  return { spec, environment: pipeline.environments[spec.stage]!.name, promotions: index.promotionsFor(service, pipeline, spec.stage) };
}

/** Ids a set of plans needs. */
export function idsNeeded(plans: readonly DeploymentPlan[]) {
  return { deployment: plans.length, promotion_result: plans.reduce((n, p) => n + p.promotions.length, 0) };
}

/**
 * Builds CREATED deployments with NOT_STARTED results from plans and pre-allocated ids, queues
 * their rows for the command's write, and emits `deployment.created` for each.
 */
export function buildDeployments(scope: WriteScope, plans: readonly DeploymentPlan[], ids: { deployment: number[]; promotion_result: number[] }): DeploymentState[] {
  const { now } = scope;
  let nextResult = 0;
  const states = plans.map(({ spec, environment, promotions }, i): DeploymentState => {
    const row = createdDeployment(
      {
        id: ids.deployment[i]!,
        flowId: spec.flowId,
        artifactId: spec.artifact.id,
        service: spec.service,
        pipeline: spec.pipeline,
        environment,
        stage: spec.stage,
        snapshotId: spec.snapshotId,
        kind: 'flow',
        reason: null,
      },
      now,
    );
    const results = promotions.map(
      (promotion, position): PromotionResultRow => ({
        id: ids.promotion_result[nextResult++]!,
        deploymentId: row.id,
        position,
        promotion: promotion.key,
        type: promotion.type,
        status: 'NOT_STARTED',
        infoUrl: null,
        reason: null,
        actor: null,
        evidence: null,
        state: null,
        attempts: 0,
        errors: 0,
        nextCheckAt: null,
        leaseUntil: null,
        settledAt: null,
        createdAt: now,
        updatedAt: now,
      }),
    );
    return { row, artifact: spec.artifact, results };
  });
  scope.insertLater(rowsFor('deployment', states.map((s) => s.row)));
  scope.insertLater(rowsFor('promotion_result', states.flatMap((s) => s.results)));
  for (const { row } of states) scope.created({ environment: row.environment, service: row.service, deploymentId: row.id, createdAt: now });
  for (const state of states) {
    scope.emit('deploydb.deployment.created', `deployments/${state.row.id}`, viewOf(state), deploymentKey(state.row.id));
  }
  return states;
}

/** Creates the deployments of the next stage of flows (ids taken in one round trip, rows written with the command). */
export async function createDeployments(scope: CommandScope, specs: readonly NewDeployment[]): Promise<DeploymentState[]> {
  const plans = await Promise.all(specs.map((spec) => planDeployment(scope, spec)));
  const ids = await scope.ids(idsNeeded(plans));
  return buildDeployments(scope, plans, ids);
}

/** A status change reported by the deployer (STARTED, COMPLETED or FAILED), already allowed. */
export async function applyReportedStatus(scope: CommandScope, state: DeploymentState, status: 'STARTED' | 'COMPLETED' | 'FAILED', reason: string | null): Promise<void> {
  if (status === 'FAILED') return failDeployment(scope, state, reason);
  await setStatus(scope, state, status, reason);
  // A direct deployment has no promotions and moves no flow: COMPLETED is where it stays.
  if (status === 'COMPLETED' && state.row.flowId !== null) await startPromotions(scope, state);
}

const STATUS_TIME = { STARTED: 'startedAt', COMPLETED: 'completedAt', VERIFIED: 'verifiedAt', FAILED: 'failedAt' } as const;

/** Moves a deployment to a status: its row, its status times, what runs where, and the event. */
export async function setStatus(scope: CommandScope, state: DeploymentState, status: Exclude<DeploymentRow['status'], 'CREATED'>, reason: string | null): Promise<void> {
  const from = state.row.status;
  await updateDeployment(scope, state.row, {
    status,
    history: [...state.row.history, status],
    reason: reason ?? state.row.reason,
    ...(reason !== null ? { reasons: { ...state.row.reasons, [status]: reason } } : {}),
    [STATUS_TIME[status]]: scope.now,
    statusAt: scope.now,
    updatedAt: scope.now,
  });
  await placementAfterStatus(scope, state.row, from, status);
  const type = `deploydb.deployment.${status.toLowerCase()}` as const;
  scope.emit(type as 'deploydb.deployment.started', `deployments/${state.row.id}`, viewOf(state), deploymentKey(state.row.id));
}

/** COMPLETED: every result STARTED and due for evaluation; with none, VERIFIED at once. */
async function startPromotions(scope: CommandScope, state: DeploymentState): Promise<void> {
  if (state.results.length === 0) return verifyDeployment(scope, state);
  const { now } = scope;
  await scope.store.startResults(state.row.id, now);
  for (const result of state.results) Object.assign(result, { status: 'STARTED', nextCheckAt: now, updatedAt: now });
  scope.promotionsDue = true;
}

async function verifyDeployment(scope: CommandScope, state: DeploymentState): Promise<void> {
  await setStatus(scope, state, 'VERIFIED', null);
  const { flowId, pipeline: pipelineKey, stage } = state.row;
  if (flowId === null || pipelineKey === null || stage === null) return;
  const index = await scope.model(state.row.snapshotId);
  const pipeline = index.pipelines.get(pipelineKey)!;
  const next = stage + 1;
  if (next < pipeline.environments.length) {
    await createDeployments(scope, [
      { flowId, artifact: state.artifact, service: state.row.service, pipeline: pipelineKey, snapshotId: state.row.snapshotId, stage: next },
    ]);
  } else {
    await finishFlow(scope, flowId, 'SUCCESS');
  }
}

async function failDeployment(scope: CommandScope, state: DeploymentState, reason: string | null): Promise<void> {
  // Results still waiting will never be settled now: the worker stops asking about them.
  await scope.store.stopResults(state.row.id);
  for (const result of state.results) result.nextCheckAt = null;
  await setStatus(scope, state, 'FAILED', reason);
  if (state.row.flowId !== null) await finishFlow(scope, state.row.flowId, 'FAILED');
}

export async function finishFlow(scope: CommandScope, flowId: number, status: Exclude<FlowStatus, 'RUNNING'>): Promise<void> {
  // Its deployments' rows queued so far are written first: the flow's view reads them.
  await scope.flush();
  const view = await scope.store.finishFlow(flowId, status, scope.now);
  scope.emit('deploydb.flow.completed', `flows/${flowId}`, view, `flow:${flowId}`);
}

/**
 * Applies a plugin's verdict to a STARTED result of a COMPLETED deployment: settles it and moves
 * the deployment on, or records progress and when to look again.
 */
export async function applyVerdict(scope: CommandScope, state: DeploymentState, result: PromotionResultRow, verdict: Verdict, actor: string | null = result.actor): Promise<void> {
  const { now } = scope;
  const evidence = verdict.evidence ?? result.evidence;
  if (verdict.status === 'PENDING') {
    await updateResult(scope, result, {
      infoUrl: verdict.infoUrl ?? result.infoUrl,
      // What it waits for now; an answer without one says it waits for nothing in particular.
      reason: verdict.reason ?? null,
      evidence,
      state: verdict.state ?? result.state,
      nextCheckAt: verdict.checkAgainIn === undefined ? null : new Date(now.getTime() + verdict.checkAgainIn * 1000),
      leaseUntil: null,
      errors: 0,
      updatedAt: now,
    });
    return;
  }
  await updateResult(scope, result, {
    status: verdict.status,
    infoUrl: verdict.infoUrl ?? result.infoUrl,
    reason: verdict.reason ?? null,
    actor,
    evidence,
    nextCheckAt: null,
    leaseUntil: null,
    settledAt: now,
    updatedAt: now,
  });
  scope.emit(
    'deploydb.promotion.completed',
    `deployments/${state.row.id}/promotions/${result.id}`,
    { deployment: viewOf(state), promotionResult: promotionResultView(result) },
    deploymentKey(state.row.id),
  );
  if (verdict.status === 'FAILED') {
    await failDeployment(scope, state, `promotion ${result.promotion} failed: ${verdict.reason}`);
  } else if (state.results.every((r) => r.status === 'SUCCESS')) {
    await verifyDeployment(scope, state);
  }
}
