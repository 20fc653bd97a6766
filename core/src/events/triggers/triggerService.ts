import type { DeploymentReportInput } from '../../domain/inputs.js';
import type { Ledger } from '../../domain/ledger.js';
import { DeployDbError, isDeployDbError } from '../../errors.js';
import { errorResponse } from '../../errorResponse.js';
import type { Caller } from '../../plugin-api/promotion.js';
import type { Database } from '../../store/database.js';
import { findDeploymentId } from './findDeployment.js';
import { parseTriggerEvents } from './parseTriggers.js';
import { claimReceipt, findSettled, receiptKey, releaseClaim, settleReceipt } from './triggerReceipts.js';
import { DEPLOYMENT_TRIGGER_STATUS, type TriggerEvent, type TriggerResponse, type TriggerResult } from './triggerSchemas.js';

/** The ledger commands a trigger can stand for. */
export type TriggerCommands = Pick<Ledger, 'registerArtifact' | 'reportDeployment' | 'reportPromotion' | 'recordDeployment'>;

/** What the trigger service works with: the ledger's commands and the store (for lookups and receipts). */
export interface TriggerServiceOptions {
  ledger: TriggerCommands;
  db: Database;
}

const TRIGGER_ROLES = ['ci', 'admin'] as const;

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
 */
export class TriggerService {
  constructor(private readonly options: TriggerServiceOptions) {}

  /**
   * Handles a request body: one CloudEvent, or an array of them. Error paths point into the
   * body as sent (`/data/version` for one event, `/0/data/version` in a batch).
   */
  async handleBody(body: unknown, caller: Caller): Promise<TriggerResponse> {
    if (Array.isArray(body)) return this.handle(body, caller);
    try {
      return await this.handle([body], caller);
    } catch (error) {
      if (!isDeployDbError(error) || error.code !== 'validation_failed') throw error;
      const details = error.details.map((d) => ({ ...d, path: d.path.replace(/^\/0(?=\/|$)/, '') }));
      throw new DeployDbError(error.code, error.message, details, error.extra);
    }
  }

  /**
   * Handles a batch of CloudEvents in order and answers one result per event. Throws
   * `validation_failed` (nothing applied) for an invalid batch, and rethrows an unexpected
   * error unrecorded, so that the event is applied when the request is retried.
   */
  async handle(events: readonly unknown[], caller: Caller): Promise<TriggerResponse> {
    if (!TRIGGER_ROLES.some((role) => caller.roles.includes(role))) {
      throw new DeployDbError('forbidden', `triggers need role ${TRIGGER_ROLES.join(' or ')}`);
    }
    const parsed = parseTriggerEvents(events);
    const em = this.options.db.em();
    // One query answers the repeats of a retried batch; a single event goes straight to its claim.
    const settled = parsed.length > 1 ? await findSettled(em, parsed) : new Map<string, number>();
    const results: TriggerResult[] = [];
    for (const event of parsed) {
      const key = receiptKey(event);
      const known = settled.get(key);
      const claim = known === undefined ? await claimReceipt(em, event) : { claimed: false as const, status: known };
      if (!claim.claimed) {
        results.push({ id: event.id, outcome: 'duplicate', status: claim.status });
        continue;
      }
      let result: TriggerResult;
      try {
        result = await this.apply(event, caller);
      } catch (error) {
        await releaseClaim(em, event, claim.token).catch(() => undefined);
        throw error;
      }
      const receipt = await settleReceipt(em, event, result);
      results.push(receipt.recorded ? result : { id: event.id, outcome: 'duplicate', status: receipt.status });
      settled.set(key, receipt.status);
    }
    return { results };
  }

  /** Runs the event's command; an expected refusal becomes a `rejected` result, anything else is thrown. */
  private async apply(event: TriggerEvent, caller: Caller): Promise<TriggerResult> {
    try {
      return { id: event.id, outcome: 'applied', status: await this.run(event, caller) };
    } catch (error) {
      if (!isDeployDbError(error)) throw error;
      const { status, body } = errorResponse(error);
      if (status >= 500) throw error;
      return { id: event.id, outcome: 'rejected', status, error: body.error };
    }
  }

  /** The command, answering the status its API call answers on success. */
  private async run(event: TriggerEvent, caller: Caller): Promise<number> {
    const { ledger, db } = this.options;
    switch (event.type) {
      case 'deploydb.trigger.artifact.available':
        await ledger.registerArtifact(event.data);
        return 201;
      case 'deploydb.trigger.deployment.started':
      case 'deploydb.trigger.deployment.completed':
      case 'deploydb.trigger.deployment.failed': {
        const id = await findDeploymentId(db.em(), event.data);
        const status = DEPLOYMENT_TRIGGER_STATUS[event.type];
        const report = event.data.reason === undefined ? { status } : { status, reason: event.data.reason };
        // The cast: DeploymentReportInput's status is typed `never` (its literal union is built from a plain array).
        await ledger.reportDeployment(id, report as DeploymentReportInput);
        return 200;
      }
      case 'deploydb.trigger.deployment.recorded':
        await ledger.recordDeployment(event.data);
        return 201;
      case 'deploydb.trigger.verification.completed': {
        const { promotion, status, infoUrl, reason } = event.data;
        const id = await findDeploymentId(db.em(), event.data);
        await ledger.reportPromotion(
          id,
          { name: promotion, status, ...(infoUrl === undefined ? {} : { infoUrl }), ...(reason === undefined ? {} : { reason }) },
          caller,
        );
        return 201;
      }
    }
  }
}
