import type { EntityManager } from '@mikro-orm/postgresql';
import type { Database } from '../store/database.js';
import type { ConfigSnapshots } from '../store/snapshots.js';
import { ArtifactEntity, FlowEntity, PromotionReportEntity, PromotionResultEntity, type ArtifactRow, type FlowRow, type PromotionReportRow, type PromotionResultRow } from '../store/entities.js';
import { IdBlocks } from '../store/idBlocks.js';
import { InsertGroups } from '../store/insertGroups.js';
import type { RowBatch, SqlRunner } from '../store/batchInsert.js';
import {
  creationsToRepair,
  currentThere,
  lockPlacement,
  previousCurrentArtifact,
  repairInFlight,
  wasEverCurrent,
  type Creation,
} from '../store/placements.js';
import { isUniqueViolation } from '../store/dbErrors.js';
import { byDigest } from '../store/ledgerReads.js';
import { artifactView, flowView, promotionResultView } from '../store/views.js';
import { DeployDbError, notFound } from '../errors.js';
import type { Clock } from '../plugin-api/clock.js';
import type { Caller, PromotionReport, Verdict } from '../plugin-api/promotion.js';
import type { Artifact, Deployment, Flow, PromotionResult } from './shapes.js';
import type { ArtifactInput, DeploymentReportInput, DirectDeploymentInput, PromotionReportInput, RollbackInput } from './inputs.js';
import { recordDirectDeployment } from './directDeployments.js';
import type { CurrentModel, PromotionPlugins, WorkSignals } from './ports.js';
import { CommandScope } from './commandScope.js';
import type { PendingAudit } from './audit.js';
import { auditBatch } from '../store/auditEntries.js';
import { decideReport } from './deploymentMachine.js';
import { lockDeployment, updateResult, viewOf, type DeploymentState } from './deploymentState.js';
import { applyReportedStatus, applyVerdict, buildDeployments, idsNeeded, planDeployment } from './progress.js';
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

export interface CommandOptions<T> {
  /** Default true; false for a command whose only write is its final statement. */
  transaction?: boolean;
  /** The audit entry of the write, written with the command's rows. */
  audit?: PendingAudit<T>;
}

/**
 * The ledger's commands. Each runs in one transaction that locks what it changes, stores its
 * events in the outbox, and answers with the state it left.
 */
export class Ledger {
  private readonly ids = new IdBlocks();
  /** Writes of commands without a transaction, joined when they arrive together. */
  private readonly groups: InsertGroups;

  constructor(private readonly options: LedgerOptions) {
    this.groups = new InsertGroups(options.db.sql, options.db.orm.getMetadata());
  }

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
      return await this.command(async (scope) => {
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
        const ids = await scope.ids.take(scope.sql, { artifact: 1, flow: flows.length, ...idsNeeded(plans) });
        artifact.id = ids.artifact[0]!;
        flows.forEach((flow, i) => Object.assign(flow, { id: ids.flow[i]!, artifactId: artifact.id }));
        plans.forEach((plan, i) => (plan.spec.flowId = flows[i]!.id));
        scope.insertLater({ entity: ArtifactEntity, rows: [artifact] });
        scope.insertLater({ entity: FlowEntity, rows: flows });
        scope.emit('deploydb.artifact.created', `artifacts/${artifact.id}`, artifactView(artifact), `artifact:${artifact.id}`);
        const deployments = buildDeployments(scope, plans, ids);
        return {
          artifact: artifactView(artifact),
          flows: flows.map((flow, i) => flowView(flow, artifact, [viewOf(deployments[i]!)])),
        };
      }, { transaction: false, audit });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const existing = await this.options.db.em().findOne(
        ArtifactEntity,
        { ...byDigest('artifact_group', input.group), ...byDigest('name', input.name), ...byDigest('version', input.version), group: input.group, name: input.name, version: input.version },
        { disableIdentityMap: true },
      );
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
      const target = await promotionTarget(scope.em, this.options.snapshots, state, result);
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
      scope.insertLater({
        entity: PromotionReportEntity,
        rows: [{ resultId: result.id, status: report.status, infoUrl: report.infoUrl, reason: report.reason, actor, createdAt: scope.now } as PromotionReportRow],
      });
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
      const artifact = await findArtifact(scope.em, input);
      if (!service.artifacts.includes(`${artifact.group}:${artifact.name}`)) {
        throw invalidInput(input.artifactId === undefined ? '/artifact' : '/artifactId', `service "${service.key}" does not list the module ${artifact.group}:${artifact.name}`);
      }
      scope.advancePast(await lockPlacement(scope.sql, input));
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
      scope.advancePast(await lockPlacement(scope.sql, key));
      const current = await currentThere(scope.sql, key);
      if (!current) throw new DeployDbError('conflict', `nothing runs in ${environment} for service "${serviceKey}": there is nothing to roll back`);
      let artifactId: number;
      if (input.to !== undefined) {
        if (!(await wasEverCurrent(scope.sql, key, input.to))) {
          throw invalidInput('/to', `artifact ${input.to} was never current in ${environment} for service "${serviceKey}"`);
        }
        artifactId = input.to;
      } else {
        const previous = await previousCurrentArtifact(scope.sql, key, current.artifactId);
        if (previous === null) throw new DeployDbError('conflict', `nothing ran in ${environment} for service "${serviceKey}" before the current artifact: give "to"`);
        artifactId = previous;
      }
      const artifact = await scope.em.findOneOrFail(ArtifactEntity, artifactId, { disableIdentityMap: true });
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
        await updateResult(scope.em, target.result, { state: verdict.state ?? target.result.state, nextCheckAt: scope.now, leaseUntil: null });
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
    const state = await lockDeployment(scope, owner.deploymentId);
    const result = state?.results.find((r) => r.id === resultId);
    if (!state || !result || result.status !== 'STARTED' || state.row.status !== 'COMPLETED') return null;
    return { state, result };
  }

  /**
   * Runs a command in one transaction and writes its queued rows and events before commit.
   * `transaction: false` is for a command whose only write is that final statement. `audit` is
   * the entry of the write the command does: it goes into that same final statement, so the
   * change and its entry commit together or not at all, and is marked recorded once they have.
   */
  async command<T>(work: (scope: CommandScope) => Promise<T>, { transaction = true, audit }: CommandOptions<T> = {}): Promise<T> {
    let due = false;
    let stored = false;
    let repairs: Creation[] = [];
    const { db } = this.options;
    const run = async (em: () => EntityManager) => {
      const now = this.options.clock.now();
      const outside = transaction ? undefined : { sql: db.sql, write: (batches: readonly RowBatch[]) => this.groups.write(batches) };
      const scope = new CommandScope(em, now, this.options.snapshots, this.ids, outside);
      const answer = await work(scope);
      if (audit) scope.insertLater(auditBatch([{ ...audit.entry(answer), at: scope.now }]));
      await scope.flush(true);
      repairs = creationsToRepair(scope.creations, scope.returned);
      // In a transaction the creation's upsert holds the placement row: repair before commit.
      if (transaction) for (const creation of repairs.splice(0)) await repairInFlight(scope.sql, creation);
      due = scope.promotionsDue;
      stored = scope.events.length > 0;
      return answer;
    };
    // Without a transaction the command may never need an EntityManager: one is forked on demand.
    const value = transaction ? await db.em().transactional((em) => run(() => em)) : await run(() => db.em());
    if (audit) audit.recorded = true;
    if (repairs.length > 0) await this.repairCreations(repairs);
    if (due) this.options.signals.promotionsDue();
    if (stored) this.options.signals.eventsStored();
    return value;
  }

  /**
   * Corrects what a command wrote about the in-flight deployment without seeing creations that
   * committed after it (placements.ts): rare, and done in a transaction of its own, holding the
   * placement row.
   */
  private async repairCreations(creations: readonly Creation[]): Promise<void> {
    await this.options.db.em().transactional(async (em) => {
      const sql: SqlRunner = (statement, params) => em.execute(statement, params as never[]);
      for (const creation of creations) {
        await lockPlacement(sql, creation);
        await repairInFlight(sql, creation);
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
async function findArtifact(em: EntityManager, input: DirectDeploymentInput): Promise<ArtifactRow> {
  if (input.artifactId !== undefined) {
    const row = await em.findOne(ArtifactEntity, input.artifactId, { disableIdentityMap: true });
    if (!row) throw notFound(`artifact ${input.artifactId}`);
    return row;
  }
  const { group, name, version } = input.artifact!;
  const row = await em.findOne(
    ArtifactEntity,
    { ...byDigest('artifact_group', group), ...byDigest('name', name), ...byDigest('version', version), group, name, version },
    { disableIdentityMap: true },
  );
  if (!row) throw notFound(`artifact ${group}:${name}:${version}`);
  return row;
}

/** A report's own infoUrl and reason stand unless the plugin's verdict says otherwise. */
function withReportDefaults(verdict: Verdict, report: PromotionReport): Verdict {
  if (verdict.status === 'PENDING') return { ...verdict, infoUrl: verdict.infoUrl ?? report.infoUrl };
  return { ...verdict, infoUrl: verdict.infoUrl ?? report.infoUrl, reason: verdict.reason ?? report.reason ?? undefined } as Verdict;
}

