import type { DeployDbConfig } from '../../config/model.js';
import type { Clock } from '../../plugin-api/clock.js';
import type { Logger } from '../../plugin-api/logger.js';
import type { QueueProvider } from '../../plugin-api/queue.js';
import type { Database } from '../../store/database.js';
import { WebhookDeliveries } from './deliveries.js';
import { WebhookDispatcher } from './dispatcher.js';
import { WebhookSender, type WebhookSenderOptions } from './sender.js';

export interface WebhooksOptions {
  db: Database;
  /** The queue events are published to. */
  queue: QueueProvider;
  /** The current configuration (it changes on reload). */
  config: () => DeployDbConfig;
  logger: Logger;
  clock?: Clock;
  /** Sender timings and limits; the defaults are the contract's (tests shorten them). */
  sender?: Pick<WebhookSenderOptions, 'concurrency' | 'timeoutMs' | 'pollMs' | 'leaseSeconds' | 'stopGraceMs' | 'jitter' | 'vacuumEvery'>;
}

/**
 * Outbound webhooks (CONTRACT §5): the dispatcher turns queue events into pending deliveries,
 * the sender POSTs them, `deliveries` serves the API. Start after the queue, stop before it.
 */
export class Webhooks {
  readonly dispatcher: WebhookDispatcher;
  readonly sender: WebhookSender;
  readonly deliveries: WebhookDeliveries;

  constructor(options: WebhooksOptions) {
    this.sender = new WebhookSender({ db: options.db, config: options.config, logger: options.logger, clock: options.clock, ...options.sender });
    this.dispatcher = new WebhookDispatcher({
      db: options.db,
      queue: options.queue,
      config: options.config,
      logger: options.logger,
      onDeliveriesStored: () => this.sender.wake(),
    });
    this.deliveries = new WebhookDeliveries({ db: options.db, config: options.config, clock: options.clock, onRequeued: () => this.sender.wake() });
  }

  /** Starts sending what is due (deliveries left from before a restart too), then takes events from the queue. */
  async start(): Promise<void> {
    this.sender.start();
    await this.dispatcher.start();
  }

  /** The configuration was reloaded: webhooks configured for the first time start taking events. */
  reconfigured(): Promise<void> {
    return this.dispatcher.reconfigured();
  }

  /** Stops taking events, then lets the sender finish (bounded by its grace period). */
  async stop(): Promise<void> {
    await this.dispatcher.stop();
    await this.sender.stop();
  }
}
