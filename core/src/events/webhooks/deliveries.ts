import type { DeployDbConfig } from '../../config/model.js';
import { DeployDbError, notFound } from '../../errors.js';
import type { Database } from '../../store/database.js';
import type { SqlRunner } from '../../store/batchInsert.js';
import { writeAuditEntries } from '../../store/auditEntries.js';
import type { PendingAudit } from '../../domain/audit.js';
import { systemClock, type Clock } from '../../plugin-api/clock.js';
import { findDelivery, listDeliveries, requeueFailed, type Delivery, type DeliveryStatus } from './deliveryStore.js';
import { webhookFor } from './webhookMatch.js';

export interface WebhookDeliveriesOptions {
  db: Database;
  config: () => DeployDbConfig;
  clock?: Clock;
  /** Called after a delivery was made pending again (wakes the sender). */
  onRequeued?: () => void;
}

/** What the API does with webhook deliveries: list them, and send a failed one again. */
export class WebhookDeliveries {
  constructor(private readonly options: WebhookDeliveriesOptions) {}

  /** A page of deliveries in ascending id order, optionally of one status. */
  list(filter: { status?: DeliveryStatus }, page: { after: number; limit: number }): Promise<{ rows: Delivery[]; more: boolean }> {
    return listDeliveries(this.options.db, filter, page);
  }

  /**
   * Makes a failed delivery pending again, due now, with a fresh budget of its webhook's
   * `retry.attempts` tries. Unknown id: not_found. A delivery that is not failed, or whose URL
   * is no longer configured (it could only fail again): conflict.
   */
  async retry(id: number, audit?: PendingAudit<Delivery>): Promise<Delivery> {
    const { db } = this.options;
    const current = await findDelivery(db, id);
    if (!current) throw notFound(`webhook delivery ${id}`);
    if (current.status !== 'failed') throw new DeployDbError('conflict', `webhook delivery ${id} is ${current.status}; only a failed delivery can be retried`);
    const webhook = webhookFor(this.options.config().webhooks, current.url);
    if (!webhook) throw new DeployDbError('conflict', `no webhook is configured for ${current.url} any more`);
    // The audit entry commits with the change, or neither does.
    const requeued = await db.em().transactional(async (em) => {
      const delivery = await requeueFailed(em, id, webhook.retry.attempts);
      if (delivery && audit) {
        const run: SqlRunner = (statement, params) => em.execute(statement, params as never[]);
        await writeAuditEntries(run, db.orm.getMetadata(), [{ ...audit.entry(delivery), at: (this.options.clock ?? systemClock).now() }]);
      }
      return delivery;
    });
    // Someone else retried it between the read and the update.
    if (!requeued) throw new DeployDbError('conflict', `webhook delivery ${id} is no longer failed; only a failed delivery can be retried`);
    if (audit) audit.recorded = true;
    this.options.onRequeued?.();
    return requeued;
  }
}
