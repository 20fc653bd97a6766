import { isDeployDbError } from '../../errors.js';
import { httpStatusOf } from '../../errorResponse.js';
import type { Logger } from '../../plugin-api/logger.js';
import type { Caller } from '../../plugin-api/promotion.js';
import { PendingAudit } from '../../domain/audit.js';
import type { QueueMessage, QueueProvider, Subscription } from '../../plugin-api/queue.js';
import type { TriggerService } from './triggerService.js';

/** The subjects triggers arrive on, and the consumer group every DeployDB instance shares. */
export const TRIGGER_PATTERN = 'deploydb.trigger.>';
export const TRIGGER_GROUP = 'deploydb-triggers';

/** Who a trigger from the bus reports as: CI, by the name `bus` (it shows as the actor of a promotion report). */
export const BUS_CALLER: Caller = Object.freeze({ name: 'bus', roles: Object.freeze(['ci'] as const) });

/**
 * The audit entry of a trigger from the bus: recorded as the same event posted to
 * `POST /api/triggers` by `bus` would be (outcome 202, the event's own status in `detail`).
 */
function busAudit(message: QueueMessage): PendingAudit {
  return new PendingAudit(BUS_CALLER.name!, 'trigger', 202, () => ({ target: 'triggers', detail: { via: 'bus', messageId: message.id } }));
}

/** The queue to consume, the service that handles each trigger, and where to log. */
export interface TriggerConsumerOptions {
  queue: QueueProvider;
  service: Pick<TriggerService, 'handle'>;
  logger: Logger;
}

/**
 * Takes trigger CloudEvents from the bus and handles each as a one-event `POST /api/triggers`
 * by {@link BUS_CALLER}. The instances of a deployment share one consumer group, so each event
 * is handled once (at least once: a redelivery is answered from the receipts). An event that
 * is invalid is logged and acknowledged, since delivering it again cannot make it valid; an
 * unexpected failure (the database gone) is thrown, so the queue delivers it again.
 */
export class TriggerConsumer {
  private subscription: Subscription | null = null;

  constructor(private readonly options: TriggerConsumerOptions) {}

  /** Subscribes to the trigger subjects; a second call does nothing. */
  async start(): Promise<void> {
    if (this.subscription) return;
    this.subscription = await this.options.queue.subscribe(TRIGGER_PATTERN, { group: TRIGGER_GROUP }, (message) => this.receive(message));
  }

  /** Stops taking triggers and waits for those being handled. */
  async stop(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = null;
    await subscription?.close();
  }

  private async receive(message: QueueMessage): Promise<void> {
    const { logger } = this.options;
    const where = { messageId: message.id, subject: message.type, deliveryCount: message.deliveryCount };
    let result;
    try {
      [result] = (await this.options.service.handle([message.event], BUS_CALLER, busAudit(message))).results;
    } catch (error) {
      if (isDeployDbError(error) && httpStatusOf(error.code) < 500) {
        logger.warn({ ...where, error: { code: error.code, message: error.message, details: error.details } }, 'trigger from the bus refused; dropped');
        return;
      }
      logger.warn({ ...where, err: error }, 'trigger from the bus failed; it will be delivered again');
      throw error;
    }
    if (result?.outcome === 'rejected') logger.warn({ ...where, result }, 'trigger from the bus rejected');
    else logger.debug({ ...where, result }, 'trigger from the bus handled');
  }
}
