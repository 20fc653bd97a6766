import type { EntityManager } from '@mikro-orm/postgresql';
import type { Database } from '../store/database.js';
import type { ConfigSnapshots } from '../store/snapshots.js';
import { ArtifactEntity, FlowEntity, PromotionReportEntity, PromotionResultEntity, type ArtifactRow, type FlowRow, type PromotionResultRow } from '../store/entities.js';
import { insertRows } from '../store/insertRows.js';
import { isUniqueViolation } from '../store/dbErrors.js';
import { artifactView, flowView, promotionResultView } from '../store/views.js';
import { appendToOutbox } from '../events/outbox.js';
import { DeployDbError, notFound } from '../errors.js';
import type { Clock } from '../plugin-api/clock.js';
import type { Caller, PromotionReport, Verdict } from '../plugin-api/promotion.js';
import type { Artifact, Deployment, Flow, PromotionResult } from './shapes.js';
import type { ArtifactInput, DeploymentReportInput, PromotionReportInput } from './inputs.js';
import type { CurrentModel, PromotionPlugins, WorkSignals } from './ports.js';
import { CommandScope } from './commandScope.js';
import { decideReport } from './deploymentMachine.js';
import { lockDeployment, updateResult, viewOf, type DeploymentState } from './deploymentState.js';
import { applyReportedStatus, applyVerdict, createDeployments } from './progress.js';
import { promotionTarget } from './promotionTarget.js';

export interface LedgerOptions {
  db: Database;
  snapshots: ConfigSnapshots;
  plugins: PromotionPlugins;
  clock: Clock;
  /** The configuration new flows start with; changes on reload. */
  current: () => CurrentModel;
  signals: WorkSignals;
}

export interface Registration {
  artifact: Artifact;
  flows: Flow[];
}

const REPORTING_ROLES = ['ci', 'approver', 'admin'] as const;

/**
 * The ledger's commands. Each runs in one transaction that locks what it changes, stores its
 * events in the outbox, and answers with the state it left.
 */
export class Ledger {
  constructor(private readonly options: LedgerOptions) {}

  /** Registers an artifact and starts a flow per service listing its module and pipeline of that service. */
  async registerArtifact(input: ArtifactInput): Promise<Registration> {
    const { index, snapshotId } = this.options.current();
    const services = index.servicesFor(input.group, input.name);
    if (services.length === 0) {
      throw new DeployDbError('no_service', `no service lists the module ${input.group}:${input.name}`);
    }
    try {
      return await this.command(async (scope) => {
        const artifact: ArtifactRow = { id: 0, ...input, createdAt: scope.now };
        await insertRows(scope.em, ArtifactEntity, [artifact]);
        scope.emit('deploydb.artifact.created', `artifacts/${artifact.id}`, artifactView(artifact), `artifact:${artifact.id}`);

        const flows: FlowRow[] = services.flatMap((service) =>
          service.pipelines.map((pipeline) => ({
            id: 0,
            artifactId: artifact.id,
            service: service.key,
            pipeline,
            status: 'RUNNING' as const,
            snapshotId,
            createdAt: scope.now,
            updatedAt: scope.now,
          })),
        );
        await insertRows(scope.em, FlowEntity, flows);
        const deployments = await createDeployments(
          scope,
          flows.map((flow) => ({ flowId: flow.id, artifact, service: flow.service, pipeline: flow.pipeline, snapshotId, stage: 0 })),
        );
        return {
          artifact: artifactView(artifact),
          flows: flows.map((flow, i) => flowView(flow, artifact, [viewOf(deployments[i]!)])),
        };
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const existing = await this.options.db.em().findOne(ArtifactEntity, { group: input.group, name: input.name, version: input.version }, { disableIdentityMap: true });
      throw new DeployDbError('already_exists', `artifact ${input.group}:${input.name}:${input.version} is already registered`, [], {
        existingId: existing?.id ?? null,
      });
    }
  }

  /** A deployer's report: STARTED, COMPLETED or FAILED. A repeat answers with the current state. */
  async reportDeployment(id: number, report: DeploymentReportInput): Promise<Deployment> {
    return this.command(async (scope) => {
      const state = await this.lock(scope.em, id);
      const decision = decideReport(state.row.status, state.row.history, report.status);
      if (decision.kind === 'invalid') {
        throw new DeployDbError('invalid_transition', `deployment ${id}: ${decision.message}`);
      }
      if (decision.kind === 'apply') await applyReportedStatus(scope, state, report.status, report.reason ?? null);
      return viewOf(state);
    });
  }

  /**
   * A promotion result reported over the API. The promotion's plugin decides who may report and
   * what the report does; checked in the contract's order: 404, 403, 409.
   */
  async reportPromotion(deploymentId: number, input: PromotionReportInput, caller: Caller): Promise<PromotionResult> {
    const isAdmin = caller.roles.includes('admin');
    if (!REPORTING_ROLES.some((role) => caller.roles.includes(role))) {
      throw new DeployDbError('forbidden', 'reporting promotion results needs role ci, approver or admin');
    }
    return this.command(async (scope) => {
      const state = await this.lock(scope.em, deploymentId);
      const result = state.results.find((r) => r.promotion === input.name);
      if (!result) throw notFound(`promotion result "${input.name}" of deployment ${deploymentId}`);
      const plugin = this.options.plugins.instance(result.type);
      if (!plugin?.reporting) {
        throw new DeployDbError('not_reportable', `promotion "${input.name}" (${result.type}) is not reportable: its plugin decides it`);
      }
      const target = await promotionTarget(scope, state, result);
      if (!isAdmin && !plugin.reporting.mayReport(caller, target.settings)) {
        throw new DeployDbError('forbidden', `${caller.name ?? 'this caller'} may not report promotion "${input.name}"`);
      }
      const actor = caller.name ?? 'anonymous';
      if (target.reports.some((r) => r.actor === actor && r.status === input.status)) return promotionResultView(result);
      if (state.row.status !== 'COMPLETED' || result.status !== 'STARTED') {
        throw new DeployDbError(
          'invalid_transition',
          state.row.status !== 'COMPLETED'
            ? `deployment ${deploymentId} is ${state.row.status}; promotion results are reported once it is COMPLETED`
            : `promotion result "${input.name}" is already ${result.status}`,
        );
      }
      const report: PromotionReport = {
        status: input.status,
        infoUrl: input.infoUrl ?? null,
        reason: input.reason ?? null,
        actor,
        reportedAt: scope.now.toISOString(),
      };
      const verdict = plugin.reporting.accept({ ...target, caller, report });
      await insertRows(scope.em, PromotionReportEntity, [{ id: 0, resultId: result.id, status: report.status, infoUrl: report.infoUrl, reason: report.reason, actor, createdAt: scope.now }]);
      await applyVerdict(scope, state, result, withReportDefaults(verdict, report), actor);
      return promotionResultView(result);
    });
  }

  /**
   * Records the worker's verdict on a result it evaluated, unless the result was settled or the
   * deployment moved on meanwhile (then the verdict is dropped).
   */
  async recordEvaluation(resultId: number, verdict: Verdict): Promise<void> {
    await this.command(async (scope) => {
      const target = await this.lockStartedResult(scope, resultId);
      if (target) await applyVerdict(scope, target.state, target.result, verdict);
    });
  }

  /**
   * Records that evaluating a result threw or timed out: it is tried again after a backoff,
   * and after `maxErrors` such evaluations in a row it fails with the last error as reason.
   */
  async recordEvaluationError(resultId: number, message: string, maxErrors: number): Promise<void> {
    await this.command(async (scope) => {
      const target = await this.lockStartedResult(scope, resultId);
      if (!target) return;
      const { state, result } = target;
      const errors = result.errors + 1;
      if (errors >= maxErrors) {
        await applyVerdict(scope, state, result, { status: 'FAILED', reason: `evaluation failed ${errors} times in a row; last: ${message}` });
        return;
      }
      const backoffSeconds = Math.min(2 ** (errors - 1), 60);
      await updateResult(scope.em, result, {
        errors,
        evidence: { ...(result.evidence ?? {}), lastError: message },
        nextCheckAt: new Date(scope.now.getTime() + backoffSeconds * 1000),
        leaseUntil: null,
        updatedAt: scope.now,
      });
    });
  }

  /** Locks the deployment of a result that is still being evaluated; null once it was settled or the deployment moved on. */
  private async lockStartedResult(scope: CommandScope, resultId: number): Promise<{ state: DeploymentState; result: PromotionResultRow } | null> {
    const owner = await scope.em.findOne(PromotionResultEntity, resultId, { disableIdentityMap: true, fields: ['deploymentId'] });
    if (!owner) return null;
    const state = await lockDeployment(scope.em, owner.deploymentId);
    const result = state?.results.find((r) => r.id === resultId);
    if (!state || !result || result.status !== 'STARTED' || state.row.status !== 'COMPLETED') return null;
    return { state, result };
  }

  /** Runs a command in one transaction and stores its events before commit. */
  async command<T>(work: (scope: CommandScope) => Promise<T>): Promise<T> {
    let due = false;
    let stored = false;
    const value = await this.options.db.em().transactional(async (em) => {
      const scope = new CommandScope(em, this.options.clock.now(), this.options.snapshots);
      const answer = await work(scope);
      await appendToOutbox(em, scope.events, scope.now);
      due = scope.promotionsDue;
      stored = scope.events.length > 0;
      return answer;
    });
    if (due) this.options.signals.promotionsDue();
    if (stored) this.options.signals.eventsStored();
    return value;
  }

  private async lock(em: EntityManager, id: number): Promise<DeploymentState> {
    const state = await lockDeployment(em, id);
    if (!state) throw notFound(`deployment ${id}`);
    return state;
  }
}

/** A report's own infoUrl and reason stand unless the plugin's verdict says otherwise. */
function withReportDefaults(verdict: Verdict, report: PromotionReport): Verdict {
  if (verdict.status === 'PENDING') return { ...verdict, infoUrl: verdict.infoUrl ?? report.infoUrl };
  return { ...verdict, infoUrl: verdict.infoUrl ?? report.infoUrl, reason: verdict.reason ?? report.reason ?? undefined } as Verdict;
}

