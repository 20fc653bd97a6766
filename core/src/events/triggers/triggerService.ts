import type { DeploymentReportInput } from '../../domain/inputs.js';
import type { Ledger } from '../../domain/ledger.js';
import { DeployDbError, isDeployDbError } from '../../errors.js';
import { errorResponse } from '../../errorResponse.js';
import type { Caller } from '../../plugin-api/promotion.js';
import { systemClock, type Clock } from '../../plugin-api/clock.js';
import { PendingAudit, type TimedAuditRecord } from '../../domain/audit.js';
import type { Deployment, PromotionResult } from '../../domain/shapes.js';
import type { Registration } from '../../domain/ledger.js';
import { writeAuditEntries } from '../../store/auditEntries.js';
import type { Database } from '../../store/database.js';
import { findDeploymentId } from './findDeployment.js';
import { parseTriggerEvents } from './parseTriggers.js';
import { claimReceipt, findSettled, receiptKey, releaseClaim, settleReceipt } from './triggerReceipts.js';
import { DEPLOYMENT_TRIGGER_STATUS, type TriggerEvent, type TriggerResponse, type TriggerResult } from './triggerSchemas.js';

/** The ledger commands a trigger can stand for. */
export type TriggerCommands = Pick<Ledger, 'registerArtifact' | 'reportDeployment' | 'reportPromotion' | 'recordDeployment'>;

/** What the trigger service works with: the ledger's commands and the store (for lookups, receipts and audit entries). */
export interface TriggerServiceOptions {
  ledger: TriggerCommands;
  db: Database;
  clock?: Clock;
}

/** Where an event's audit entry points before its command named what it acted on. */
type Place = { target: string };

/**
 * Inbound triggers (CONTRACT.md §6), from `POST /api/triggers` and from the bus: each event is
 * the same report as an API call, addressed by names. A request is checked whole first (one
 * invalid event: 422, nothing applied, no id remembered); then events run in order, each
 * through the ledger command it stands for, and its outcome is remembered by (source, id) so
 * that the same event again changes nothing and answers `duplicate` with the first status.
 *
 * An event is claimed before its command runs and settled after (see triggerReceipts.ts), so
 * concurrent deliveries of it wait for the first. The command and the receipt are separate
 * transactions: should the process die between them, the claim expires and a redelivery
 * applies the event again, which the ledger answers as a repeat (a report of a status the
 * deployment already had changes nothing; a second registration is 409).
 *
 * Audited, each event has its own entry (action `trigger`, the request's outcome, the event's
 * own status in `detail`): an applied event's is written by its command, with its change; a
 * rejected or duplicate one's on its own. A request refused whole gets one entry.
 */
export class TriggerService {
  private readonly clock: Clock;

  constructor(private readonly options: TriggerServiceOptions) {
    this.clock = options.clock ?? systemClock;
  }

  /**
   * Handles a request body: one CloudEvent, or an array of them. Error paths point into the
   * body as sent (`/data/version` for one event, `/0/data/version` in a batch).
   */
  async handleBody(body: unknown, caller: Caller, audit?: PendingAudit): Promise<TriggerResponse> {
    if (Array.isArray(body)) return this.handle(body, caller, audit);
    try {
      return await this.handle([body], caller, audit);
    } catch (error) {
      if (!isDeployDbError(error) || error.code !== 'validation_failed') throw error;
      const details = error.details.map((d) => ({ ...d, path: d.path.replace(/^\/0(?=\/|$)/, '') }));
      throw new DeployDbError(error.code, error.message, details, error.extra);
    }
  }

  /**
   * Handles a batch of CloudEvents in order and answers one result per event. Throws
   * `validation_failed` (nothing applied) for an invalid batch, and rethrows an unexpected
   * error unrecorded, so that the event is applied when the request is retried. `audit` is the
   * request's entry: each event's entry is made from it, and it is marked recorded once they are.
   * Who may send triggers is the route's to check (and the bus's caller is CI).
   */
  async handle(events: readonly unknown[], caller: Caller, audit?: PendingAudit): Promise<TriggerResponse> {
    let parsed: TriggerEvent[];
    try {
      parsed = parseTriggerEvents(events);
    } catch (error) {
      await this.recordRefusal(audit, error);
      throw error;
    }
    const em = this.options.db.em();
    // One query answers the repeats of a retried batch; a single event goes straight to its claim.
    const settled = parsed.length > 1 ? await findSettled(em, parsed) : new Map<string, number>();
    const results: TriggerResult[] = [];
    // Entries of events that changed nothing, written together at the end.
    const unchanged: TimedAuditRecord[] = [];
    try {
      for (const event of parsed) {
        const place: Place = { target: event.type === 'deploydb.trigger.artifact.available' ? 'artifacts' : 'deployments' };
        const key = receiptKey(event);
        const known = settled.get(key);
        const claim = known === undefined ? await claimReceipt(em, event) : { claimed: false as const, status: known };
        if (!claim.claimed) {
          results.push({ id: event.id, outcome: 'duplicate', status: claim.status });
          if (audit) unchanged.push(this.eventRecord(audit, event, place, 'duplicate', claim.status));
          continue;
        }
        let result: TriggerResult;
        try {
          result = await this.apply(event, caller, place, audit);
        } catch (error) {
          await releaseClaim(em, event, claim.token).catch(() => undefined);
          throw error;
        }
        if (audit && result.outcome === 'rejected') unchanged.push(this.eventRecord(audit, event, place, 'rejected', result.status, result.error?.code));
        const receipt = await settleReceipt(em, event, result);
        results.push(receipt.recorded ? result : { id: event.id, outcome: 'duplicate', status: receipt.status });
        settled.set(key, receipt.status);
      }
      // A request of no events changes nothing but is a write all the same.
      if (audit && parsed.length === 0) unchanged.push({ ...audit.entry(undefined), at: this.clock.now() });
    } finally {
      if (unchanged.length > 0) await writeAuditEntries(this.options.db.sql, this.options.db.orm.getMetadata(), unchanged);
    }
    if (audit) audit.recorded = true;
    return { results };
  }

  /** Runs the event's command; an expected refusal becomes a `rejected` result, anything else is thrown. */
  private async apply(event: TriggerEvent, caller: Caller, place: Place, audit: PendingAudit | undefined): Promise<TriggerResult> {
    try {
      return { id: event.id, outcome: 'applied', status: await this.run(event, caller, place, audit) };
    } catch (error) {
      if (!isDeployDbError(error)) throw error;
      const { status, body } = errorResponse(error);
      if (status >= 500) throw error;
      return { id: event.id, outcome: 'rejected', status, error: body.error };
    }
  }

  /**
   * The command, answering the status its API call answers on success. Its audit entry, made
   * from the request's, goes into the command's own transaction.
   */
  private async run(event: TriggerEvent, caller: Caller, place: Place, audit: PendingAudit | undefined): Promise<number> {
    const { ledger, db } = this.options;
    const entryFor = <A>(status: number, target: (answer: A | undefined) => string): PendingAudit<A> | undefined =>
      audit &&
      new PendingAudit<A>(audit.actor, 'trigger', audit.successStatus, (answer) => ({
        target: target(answer),
        detail: eventDetail(event, 'applied', status),
      }));
    switch (event.type) {
      case 'deploydb.trigger.artifact.available':
        await ledger.registerArtifact(event.data, entryFor<Registration>(201, (answer) => (answer ? `artifacts/${answer.artifact.id}` : place.target)));
        return 201;
      case 'deploydb.trigger.deployment.started':
      case 'deploydb.trigger.deployment.completed':
      case 'deploydb.trigger.deployment.failed': {
        const id = await findDeploymentId(db.em(), event.data);
        place.target = `deployments/${id}`;
        const status = DEPLOYMENT_TRIGGER_STATUS[event.type];
        const report = event.data.reason === undefined ? { status } : { status, reason: event.data.reason };
        // The cast: DeploymentReportInput's status is typed `never` (its literal union is built from a plain array).
        await ledger.reportDeployment(id, report as DeploymentReportInput, entryFor<Deployment>(200, () => place.target));
        return 200;
      }
      case 'deploydb.trigger.deployment.recorded':
        await ledger.recordDeployment(event.data, entryFor<Deployment>(201, (answer) => (answer ? `deployments/${answer.id}` : place.target)));
        return 201;
      case 'deploydb.trigger.verification.completed': {
        const { promotion, status, infoUrl, reason } = event.data;
        const id = await findDeploymentId(db.em(), event.data);
        place.target = `deployments/${id}`;
        await ledger.reportPromotion(
          id,
          { name: promotion, status, ...(infoUrl === undefined ? {} : { infoUrl }), ...(reason === undefined ? {} : { reason }) },
          caller,
          entryFor<PromotionResult>(201, (answer) => (answer ? `deployments/${id}/promotions/${answer.id}` : place.target)),
        );
        return 201;
      }
    }
  }

  /** The entry of an event that changed nothing: a duplicate, or one its command refused. */
  private eventRecord(audit: PendingAudit, event: TriggerEvent, place: Place, result: TriggerResult['outcome'], status: number, code?: string): TimedAuditRecord {
    return {
      actor: audit.actor,
      action: 'trigger',
      target: place.target,
      outcome: audit.successStatus,
      detail: { ...eventDetail(event, result, status), ...(code ? { error: code } : {}) },
      at: this.clock.now(),
    };
  }

  /** The one entry of a request refused whole, before any event ran. */
  private async recordRefusal(audit: PendingAudit | undefined, error: unknown): Promise<void> {
    if (!audit || audit.recorded || !isDeployDbError(error)) return;
    const record = audit.refusal(errorResponse(error).status, error.code);
    await writeAuditEntries(this.options.db.sql, this.options.db.orm.getMetadata(), [{ ...record, at: this.clock.now() }]);
    audit.recorded = true;
  }
}

/** What an event's audit entry says of it: which event, and what became of it. */
function eventDetail(event: TriggerEvent, result: TriggerResult['outcome'], status: number): Record<string, unknown> {
  return { source: event.source, id: event.id, type: event.type, result, status };
}
