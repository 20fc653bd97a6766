import { DeploymentEntity, FlowEntity, PromotionResultEntity, type ArtifactRow, type DeploymentRow, type PromotionResultRow } from '../store/entities.js';
import { flowViews, promotionResultView } from '../store/views.js';
import { insertRows } from '../store/insertRows.js';
import type { Verdict } from '../plugin-api/promotion.js';
import type { FlowStatus } from './shapes.js';
import type { CommandScope } from './commandScope.js';
import { updateDeployment, updateResult, viewOf, type DeploymentState } from './deploymentState.js';

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

const deploymentKey = (id: number) => `deployment:${id}`;

/** Creates CREATED deployments with NOT_STARTED results, in as few statements as the batch allows. */
export async function createDeployments(scope: CommandScope, specs: readonly NewDeployment[]): Promise<DeploymentState[]> {
  if (specs.length === 0) return [];
  const { em, now } = scope;
  const rows: DeploymentRow[] = [];
  for (const spec of specs) {
    const index = await scope.model(spec.snapshotId);
    const pipeline = index.pipelines.get(spec.pipeline)!;
    rows.push({
      id: 0,
      flowId: spec.flowId,
      artifactId: spec.artifact.id,
      service: spec.service,
      pipeline: spec.pipeline,
      environment: pipeline.environments[spec.stage]!.name,
      stage: spec.stage,
      snapshotId: spec.snapshotId,
      status: 'CREATED',
      history: ['CREATED'],
      reason: null,
      statusAt: now,
      createdAt: now,
      updatedAt: now,
    });
  }
  await insertRows(em, DeploymentEntity, rows);

  const results: PromotionResultRow[] = [];
  const states: DeploymentState[] = [];
  for (const [i, spec] of specs.entries()) {
    const index = await scope.model(spec.snapshotId);
    const service = index.services.get(spec.service)!;
    const pipeline = index.pipelines.get(spec.pipeline)!;
    const own = index.promotionsFor(service, pipeline, spec.stage).map((promotion, position) => ({
      id: 0,
      deploymentId: rows[i]!.id,
      position,
      promotion: promotion.key,
      type: promotion.type,
      status: 'NOT_STARTED' as const,
      infoUrl: null,
      reason: null,
      actor: null,
      evidence: null,
      state: null,
      attempts: 0,
      errors: 0,
      nextCheckAt: null,
      leaseUntil: null,
      createdAt: now,
      updatedAt: now,
    }));
    results.push(...own);
    states.push({ row: rows[i]!, artifact: spec.artifact, results: own });
  }
  await insertRows(em, PromotionResultEntity, results);
  for (const state of states) {
    scope.emit('deploydb.deployment.created', `deployments/${state.row.id}`, viewOf(state), deploymentKey(state.row.id));
  }
  return states;
}

/** A status change reported by the deployer (STARTED, COMPLETED or FAILED), already allowed. */
export async function applyReportedStatus(scope: CommandScope, state: DeploymentState, status: 'STARTED' | 'COMPLETED' | 'FAILED', reason: string | null): Promise<void> {
  if (status === 'FAILED') return failDeployment(scope, state, reason);
  await setStatus(scope, state, status, reason);
  if (status === 'COMPLETED') await startPromotions(scope, state);
}

async function setStatus(scope: CommandScope, state: DeploymentState, status: DeploymentRow['status'], reason: string | null): Promise<void> {
  await updateDeployment(scope.em, state.row, {
    status,
    history: [...state.row.history, status],
    reason: reason ?? state.row.reason,
    statusAt: scope.now,
    updatedAt: scope.now,
  });
  const type = `deploydb.deployment.${status.toLowerCase()}` as const;
  scope.emit(type as 'deploydb.deployment.started', `deployments/${state.row.id}`, viewOf(state), deploymentKey(state.row.id));
}

/** COMPLETED: every result STARTED and due for evaluation; with none, VERIFIED at once. */
async function startPromotions(scope: CommandScope, state: DeploymentState): Promise<void> {
  if (state.results.length === 0) return verifyDeployment(scope, state);
  const { em, now } = scope;
  await em.nativeUpdate(PromotionResultEntity, { deploymentId: state.row.id, status: 'NOT_STARTED' }, { status: 'STARTED', nextCheckAt: now, updatedAt: now });
  for (const result of state.results) Object.assign(result, { status: 'STARTED', nextCheckAt: now, updatedAt: now });
  scope.promotionsDue = true;
}

async function verifyDeployment(scope: CommandScope, state: DeploymentState): Promise<void> {
  await setStatus(scope, state, 'VERIFIED', null);
  const index = await scope.model(state.row.snapshotId);
  const pipeline = index.pipelines.get(state.row.pipeline)!;
  const next = state.row.stage + 1;
  if (next < pipeline.environments.length) {
    await createDeployments(scope, [
      { flowId: state.row.flowId, artifact: state.artifact, service: state.row.service, pipeline: state.row.pipeline, snapshotId: state.row.snapshotId, stage: next },
    ]);
  } else {
    await finishFlow(scope, state.row.flowId, 'SUCCESS');
  }
}

async function failDeployment(scope: CommandScope, state: DeploymentState, reason: string | null): Promise<void> {
  // Results still waiting will never be settled now: the worker stops asking about them.
  await scope.em.nativeUpdate(PromotionResultEntity, { deploymentId: state.row.id, nextCheckAt: { $ne: null } }, { nextCheckAt: null });
  for (const result of state.results) result.nextCheckAt = null;
  await setStatus(scope, state, 'FAILED', reason);
  await finishFlow(scope, state.row.flowId, 'FAILED');
}

export async function finishFlow(scope: CommandScope, flowId: number, status: Exclude<FlowStatus, 'RUNNING'>): Promise<void> {
  const { em, now } = scope;
  await em.nativeUpdate(FlowEntity, { id: flowId }, { status, updatedAt: now });
  const flow = await em.findOneOrFail(FlowEntity, flowId, { disableIdentityMap: true });
  const [view] = await flowViews(em, [flow]);
  scope.emit('deploydb.flow.completed', `flows/${flowId}`, view, `flow:${flowId}`);
}

/**
 * Applies a plugin's verdict to a STARTED result of a COMPLETED deployment: settles it and moves
 * the deployment on, or records progress and when to look again.
 */
export async function applyVerdict(scope: CommandScope, state: DeploymentState, result: PromotionResultRow, verdict: Verdict, actor: string | null = result.actor): Promise<void> {
  const { em, now } = scope;
  const evidence = verdict.evidence ?? result.evidence;
  if (verdict.status === 'PENDING') {
    await updateResult(em, result, {
      infoUrl: verdict.infoUrl ?? result.infoUrl,
      evidence,
      state: verdict.state ?? result.state,
      nextCheckAt: verdict.checkAgainIn === undefined ? null : new Date(now.getTime() + verdict.checkAgainIn * 1000),
      leaseUntil: null,
      errors: 0,
      updatedAt: now,
    });
    return;
  }
  await updateResult(em, result, {
    status: verdict.status,
    infoUrl: verdict.infoUrl ?? result.infoUrl,
    reason: verdict.reason ?? null,
    actor,
    evidence,
    nextCheckAt: null,
    leaseUntil: null,
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
