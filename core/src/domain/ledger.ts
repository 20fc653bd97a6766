import { rowsFor } from '../store/batchInsert.js';
import { creationsToRepair, type Creation } from '../store/placements.js';
import { isUniqueViolation } from '../store/dbErrors.js';
import { auditBatch } from '../store/auditEntries.js';
import { DeployDbError, notFound } from '../errors.js';
import type { Clock } from '../plugin-api/clock.js';
import { exponentialDelay } from '../retry.js';
import type { Caller, PromotionReport, Verdict } from '../plugin-api/promotion.js';
import type { Artifact, Deployment, Flow, PromotionResult } from './shapes.js';
import type { ArtifactRow, FlowRow, PromotionReportRow, PromotionResultRow } from './rows.js';
import type { ArtifactInput, DeploymentReportInput, DirectDeploymentInput, PromotionReportInput, RollbackInput } from './inputs.js';
import { artifactView, flowView, promotionResultView } from './views.js';
import { recordDirectDeployment } from './directDeployments.js';
import type { CommandStorage, CurrentModel, PromotionPlugins, WorkSignals } from './ports.js';
import { CommandScope, WriteScope } from './commandScope.js';
import type { PendingAudit } from './audit.js';
import { decideReport } from './deploymentMachine.js';
import { lockDeployment, updateResult, viewOf, type DeploymentState } from './deploymentState.js';
import { applyReportedStatus, applyVerdict, buildDeployments, idsNeeded, planDeployment } from './progress.js';
import { promotionTarget } from './promotionTarget.js';

export interface LedgerOptions {
  /** Where commands run (store/commandStore.ts). */
  storage: CommandStorage;
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

export interface CommandOptions<T> {
  /** The audit entry of the write, written with the command's rows. */
  audit?: PendingAudit<T>;
}

/**
 * The ledger's commands. Each runs in one transaction that locks what it changes, stores its
 * events in the outbox, and answers with the state it left.
 */
export class Ledger {
  constructor(private readonly options: LedgerOptions) {}

  /**
   * Registers an artifact and starts a flow per service listing its module and pipeline of that
   * service. `audit`, when given, is written in the same statement as the registration.
   */
  async registerArtifact(input: ArtifactInput, audit?: PendingAudit<Registration>): Promise<Registration> {
    const { index, snapshotId } = this.options.current();
    const services = index.servicesFor(input.group, input.name);
    if (services.length === 0) {
      throw new DeployDbError('no_service', `no service lists the module ${input.group}:${input.name}`);
    }
    try {
      // Ids from memory, one statement for every row and event (shared with the registrations
      // arriving at the same time): no transaction needed.
      return await this.write(async (scope) => {
        const flows: FlowRow[] = services.flatMap((service) =>
          service.pipelines.map((pipeline) => ({
            id: 0,
            artifactId: 0,
            service: service.key,
            pipeline,
            status: 'RUNNING' as const,
            snapshotId,
            createdAt: scope.now,
            updatedAt: scope.now,
          })),
        );
        const artifact: ArtifactRow = {
          id: 0,
          group: input.group,
          name: input.name,
          version: input.version,
          sourceUrl: input.sourceUrl,
          revision: input.revision ?? null,
          committedAt: input.committedAt === undefined ? null : new Date(input.committedAt),
          createdAt: scope.now,
        };
        const plans = await Promise.all(
          flows.map((flow) => planDeployment(scope, { flowId: 0, artifact, service: flow.service, pipeline: flow.pipeline, snapshotId, stage: 0 })),
        );
        const ids = await scope.ids({ artifact: 1, flow: flows.length, ...idsNeeded(plans) });
        artifact.id = ids.artifact[0]!;
        flows.forEach((flow, i) => Object.assign(flow, { id: ids.flow[i]!, artifactId: artifact.id }));
        plans.forEach((plan, i) => (plan.spec.flowId = flows[i]!.id));
        scope.insertLater(rowsFor('artifact', [artifact]));
        scope.insertLater(rowsFor('flow', flows));
        scope.emit('deploydb.artifact.created', `artifacts/${artifact.id}`, artifactView(artifact), `artifact:${artifact.id}`);
        const deployments = buildDeployments(scope, plans, ids);
        return {
          artifact: artifactView(artifact),
          flows: flows.map((flow, i) => flowView(flow, artifact, [viewOf(deployments[i]!)])),
        };
      }, { audit });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const existing = await this.options.storage.artifactAt(input);
      throw new DeployDbError('already_exists', `artifact ${input.group}:${input.name}:${input.version} is already registered`, [], {
        existingId: existing?.id ?? null,
      });
    }
  }

  /** A deployer's report: STARTED, COMPLETED or FAILED. A repeat answers with the current state. */
  async reportDeployment(id: number, report: DeploymentReportInput, audit?: PendingAudit<Deployment>): Promise<Deployment> {
    return this.command(async (scope) => {
      const state = await this.lock(scope, id);
      const decision = decideReport(state.row.status, state.row.history, report.status);
      if (decision.kind === 'invalid') {
        throw new DeployDbError('invalid_transition', `deployment ${id}: ${decision.message}`);
      }
      if (decision.kind === 'apply') await applyReportedStatus(scope, state, report.status, report.reason ?? null);
      return viewOf(state);
    }, { audit });
  }

  /**
   * A promotion result reported over the API. The promotion's plugin decides who may report and
   * what the report does; checked in the contract's order: 404, 403, 409.
   */
  async reportPromotion(deploymentId: number, input: PromotionReportInput, caller: Caller, audit?: PendingAudit<PromotionResult>): Promise<PromotionResult> {
    const isAdmin = caller.roles.includes('admin');
    return this.command(async (scope) => {
      const state = await this.lock(scope, deploymentId);
      const result = state.results.find((r) => r.promotion === input.name);
      if (!result) throw notFound(`promotion result "${input.name}" of deployment ${deploymentId}`);
      const plugin = this.options.plugins.instance(result.type);
      if (!plugin?.reporting) {
        throw new DeployDbError('not_reportable', `promotion "${input.name}" (${result.type}) is not reportable: its plugin decides it`);
      }
      const target = promotionTarget(await scope.model(state.row.snapshotId), state, result, await scope.store.reportsOf(result.id));
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
      scope.insertLater(
        rowsFor('promotion_report', [{ resultId: result.id, status: report.status, infoUrl: report.infoUrl, reason: report.reason, actor, createdAt: scope.now } as PromotionReportRow]),
      );
      await applyVerdict(scope, state, result, withReportDefaults(verdict, report), actor);
      return promotionResultView(result);
    }, { audit });
  }

  /** Records a deployment outside any flow (CONTRACT §11): a rollback, a hotfix, a deploy by hand. */
  async recordDeployment(input: DirectDeploymentInput, audit?: PendingAudit<Deployment>): Promise<Deployment> {
    const { index, snapshotId } = this.options.current();
    const service = index.services.get(input.service);
    if (!service) throw invalidInput('/service', `unknown service "${input.service}"`);
    if (!index.environmentsOf(service).includes(input.environment)) {
      throw invalidInput('/environment', `environment "${input.environment}" is in none of the pipelines of service "${service.key}"`);
    }
    return this.command(async (scope) => {
      const artifact = await findArtifact(scope, input);
      if (!service.artifacts.includes(`${artifact.group}:${artifact.name}`)) {
        throw invalidInput(input.artifactId === undefined ? '/artifact' : '/artifactId', `service "${service.key}" does not list the module ${artifact.group}:${artifact.name}`);
      }
      scope.advancePast(await scope.store.placements.lock(input));
      const state = await recordDirectDeployment(scope, {
        service: service.key,
        environment: input.environment,
        artifact,
        kind: input.kind,
        status: input.status ?? 'CREATED',
        reason: input.reason ?? null,
        snapshotId,
      });
      return viewOf(state);
    }, { audit });
  }

  /**
   * Rolls a service back in an environment (CONTRACT §11): records a direct deployment of kind
   * `rollback` of the artifact current there before the current one, or of `to`, which must
   * have been current there once.
   */
  async rollback(serviceKey: string, environment: string, input: RollbackInput, audit?: PendingAudit<Deployment>): Promise<Deployment> {
    const { index, snapshotId } = this.options.current();
    const service = index.services.get(serviceKey);
    if (!service) throw notFound(`service "${serviceKey}"`);
    if (!index.environmentsOf(service).includes(environment)) throw notFound(`environment "${environment}" of service "${serviceKey}"`);
    const key = { environment, service: serviceKey };
    return this.command(async (scope) => {
      const { placements } = scope.store;
      scope.advancePast(await placements.lock(key));
      const current = await placements.currentThere(key);
      if (!current) throw new DeployDbError('conflict', `nothing runs in ${environment} for service "${serviceKey}": there is nothing to roll back`);
      let artifactId: number;
      if (input.to !== undefined) {
        if (!(await placements.wasEverCurrent(key, input.to))) {
          throw invalidInput('/to', `artifact ${input.to} was never current in ${environment} for service "${serviceKey}"`);
        }
        artifactId = input.to;
      } else {
        const previous = await placements.previousCurrentArtifact(key, current.artifactId);
        if (previous === null) throw new DeployDbError('conflict', `nothing ran in ${environment} for service "${serviceKey}" before the current artifact: give "to"`);
        artifactId = previous;
      }
      const artifact = (await scope.store.artifact(artifactId))!;
      const state = await recordDirectDeployment(scope, {
        service: serviceKey,
        environment,
        artifact,
        kind: 'rollback',
        status: 'CREATED',
        reason: input.reason ?? null,
        snapshotId,
      });
      return viewOf(state);
    }, { audit });
  }

  /**
   * Records the worker's verdict on a result it evaluated as it stood at `evaluatedAt`, unless
   * the result was settled or the deployment moved on meanwhile (then the verdict is dropped).
   */
  async recordEvaluation(resultId: number, verdict: Verdict, evaluatedAt: Date): Promise<void> {
    await this.command(async (scope) => {
      const target = await this.lockStartedResult(scope, resultId);
      if (!target) return;
      // A report landed while the plugin was evaluating: its "not yet" was based on older facts,
      // so evaluate again rather than overwrite what the report recorded.
      if (verdict.status === 'PENDING' && target.result.updatedAt > evaluatedAt) {
        await updateResult(scope, target.result, { state: verdict.state ?? target.result.state, nextCheckAt: scope.now, leaseUntil: null });
        scope.promotionsDue = true;
        return;
      }
      await applyVerdict(scope, target.state, target.result, verdict);
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
      const backoffSeconds = exponentialDelay(errors, 1, 60);
      await updateResult(scope, result, {
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
    const deploymentId = await scope.store.deploymentOfResult(resultId);
    if (deploymentId === null) return null;
    const state = await lockDeployment(scope, deploymentId);
    const result = state?.results.find((r) => r.id === resultId);
    if (!state || !result || result.status !== 'STARTED' || state.row.status !== 'COMPLETED') return null;
    return { state, result };
  }

  /**
   * Runs a command in one transaction that locks what it changes; its queued rows, its events and
   * its audit entry (`audit`) are written before commit, so the change and its entry commit
   * together or not at all.
   */
  async command<T>(work: (scope: CommandScope) => Promise<T>, { audit }: CommandOptions<T> = {}): Promise<T> {
    let scope!: CommandScope;
    const value = await this.options.storage.transaction(async (store) => {
      scope = new CommandScope(store, this.options.clock.now());
      const answer = await this.finish(scope, await work(scope), audit);
      // The creations' upserts hold their placement rows: repairs go before the commit.
      for (const creation of creationsToRepair(scope.creations, scope.returned)) await store.placements.repairInFlight(creation);
      return answer;
    });
    this.committed(scope, audit);
    return value;
  }

  /**
   * Runs a command that only writes (a registration): its rows, events and audit entry go out in
   * one statement, joined with the writes arriving at the same time, without a transaction.
   */
  async write<T>(work: (scope: WriteScope) => Promise<T>, { audit }: CommandOptions<T> = {}): Promise<T> {
    const scope = new WriteScope(this.options.storage.outside, this.options.clock.now());
    const value = await this.finish(scope, await work(scope), audit);
    const repairs = creationsToRepair(scope.creations, scope.returned);
    if (repairs.length > 0) await this.repairCreations(repairs);
    this.committed(scope, audit);
    return value;
  }

  /** Queues the audit entry with the command's rows and writes them. */
  private async finish<T>(scope: WriteScope, answer: T, audit: PendingAudit<T> | undefined): Promise<T> {
    if (audit) scope.insertLater(auditBatch([{ ...audit.entry(answer), at: scope.now }]));
    await scope.finish();
    return answer;
  }

  /** After the commit: the audit entry is recorded, and the workers hear of what the command left them. */
  private committed(scope: WriteScope, audit: { recorded: boolean } | undefined): void {
    if (audit) audit.recorded = true;
    if (scope instanceof CommandScope && scope.promotionsDue) this.options.signals.promotionsDue();
    if (scope.events.length > 0) this.options.signals.eventsStored();
  }

  /**
   * Corrects what a command wrote about the in-flight deployment without seeing creations that
   * committed after it (placements.ts): rare, and done in a transaction of its own, holding the
   * placement row.
   */
  private async repairCreations(creations: readonly Creation[]): Promise<void> {
    await this.options.storage.transaction(async (store) => {
      for (const creation of creations) {
        await store.placements.lock(creation);
        await store.placements.repairInFlight(creation);
      }
    });
  }

  private async lock(scope: CommandScope, id: number): Promise<DeploymentState> {
    const state = await lockDeployment(scope, id);
    if (!state) throw notFound(`deployment ${id}`);
    return state;
  }
}

const invalidInput = (path: string, message: string) => new DeployDbError('validation_failed', message, [{ path, message }]);

/** The artifact a direct deployment names, by id or by coordinates; 404 when it is not registered. */
async function findArtifact(scope: CommandScope, input: DirectDeploymentInput): Promise<ArtifactRow> {
  if (input.artifactId !== undefined) {
    const row = await scope.store.artifact(input.artifactId);
    if (!row) throw notFound(`artifact ${input.artifactId}`);
    return row;
  }
  const row = await scope.store.artifactAt(input.artifact!);
  if (!row) throw notFound(`artifact ${input.artifact!.group}:${input.artifact!.name}:${input.artifact!.version}`);
  return row;
}

/** A report's own infoUrl and reason stand unless the plugin's verdict says otherwise. */
function withReportDefaults(verdict: Verdict, report: PromotionReport): Verdict {
  if (verdict.status === 'PENDING') return { ...verdict, infoUrl: verdict.infoUrl ?? report.infoUrl };
  return { ...verdict, infoUrl: verdict.infoUrl ?? report.infoUrl, reason: verdict.reason ?? report.reason ?? undefined } as Verdict;
}

