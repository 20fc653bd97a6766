import type { DeployDbConfig, WebhookConfig } from '../../config/model.js';
import type { Logger } from '../../plugin-api/logger.js';
import type { QueueMessage, QueueProvider, Subscription } from '../../plugin-api/queue.js';
import type { Database } from '../../store/database.js';
import { insertDeliveries, type NewDelivery } from './deliveryStore.js';
import { WebhookMatcher, orderKeyOf } from './webhookMatch.js';

/** The queue subscription of webhook delivery: every DeployDB event, one consumer group for all instances. */
export const WEBHOOK_SUBJECT = 'deploydb.>';
export const WEBHOOK_GROUP = 'deploydb-webhooks';

export interface WebhookDispatcherOptions {
  db: Database;
  queue: QueueProvider;
  /** The current configuration: a reload changes which webhooks later events go to. */
  config: () => DeployDbConfig;
  logger: Logger;
  /** Called after new deliveries were stored (wakes the sender). */
  onDeliveriesStored?: () => void;
}

/**
 * Turns events from the queue into pending deliveries, one per matching webhook, in one
 * statement. The message is acknowledged only once they are stored, so none is lost; a message
 * delivered twice finds its deliveries already there and adds none.
 */
export class WebhookDispatcher {
  private subscription: Subscription | null = null;
  private matcher: { webhooks: readonly WebhookConfig[]; matcher: WebhookMatcher } | null = null;

  constructor(private readonly options: WebhookDispatcherOptions) {}

  /**
   * Subscribes once webhooks are configured (at start, or when a reload brings the first ones: call
   * {@link reconfigured}). The group goes on from where it was; made anew, it starts at the events
   * that follow, so a webhook gets the events from when it was configured on. Without webhooks no
   * consumer reads the queue for nothing.
   */
  async start(): Promise<void> {
    if (this.subscription || this.options.config().webhooks.length === 0) return;
    this.subscription = await this.options.queue.subscribe(WEBHOOK_SUBJECT, { group: WEBHOOK_GROUP, from: 'now' }, async (message) => {
      await this.handle(message);
    });
  }

  /** The configuration was reloaded: subscribes if it brought the first webhooks. */
  reconfigured(): Promise<void> {
    return this.start();
  }

  /** Stops taking messages; handlers in progress finish first. */
  async stop(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = null;
    await subscription?.close();
  }

  /** Stores the deliveries one event calls for; answers how many were new. */
  async handle(message: QueueMessage): Promise<number> {
    const configured = this.options.config().webhooks;
    if (configured.length === 0) return 0;
    const event = message.event;
    const type = typeof event.type === 'string' ? event.type : message.type;
    const webhooks = this.matcherFor(configured).match(type, event.data);
    if (webhooks.length === 0) return 0;
    const eventId = typeof event.id === 'string' ? event.id : message.id;
    const orderKey = orderKeyOf({ id: eventId, subject: event.subject });
    const deliveries: NewDelivery[] = webhooks.map((webhook) => ({
      eventId,
      eventType: type,
      url: webhook.url,
      orderKey,
      maxAttempts: webhook.retry.attempts,
      event,
    }));
    const stored = await insertDeliveries(this.options.db, deliveries);
    if (stored > 0) this.options.onDeliveriesStored?.();
    return stored;
  }

  /** The matcher is rebuilt only when a reload brought another webhooks list. */
  private matcherFor(webhooks: readonly WebhookConfig[]): WebhookMatcher {
    if (this.matcher?.webhooks !== webhooks) this.matcher = { webhooks, matcher: new WebhookMatcher(webhooks) };
    return this.matcher.matcher;
  }
}
