import type { CloudEvent } from '../events/cloudEvent.js';
import type { HealthCheck } from './health.js';
import type { ProvidedService } from './serviceRef.js';

export type { CloudEvent, EventType } from '../events/cloudEvent.js';

/** How one event reached a subscriber. */
export interface Delivery {
  /** 1 on first delivery, more when it comes again (after a throw, or a restart before acknowledging). */
  deliveryCount: number;
}

/**
 * Events a subscriber handles. `events` are patterns relative to the `deploydb.` prefix of the
 * event types, with `*` for one token and `>` for the rest: `deployment.*`, `artifact.created`,
 * `>`. With `environments`, an event concerning a deployment (or a promotion of one) is handled
 * only when its environment is listed; events without an environment (artifact, flow) are then
 * left out.
 */
export interface EventSubscription {
  events: readonly string[];
  environments?: readonly string[];
  /** Resolving acknowledges the event; throwing gets it delivered again later. Must be idempotent per `event.id`. */
  handle(event: CloudEvent, delivery: Delivery): Promise<void> | void;
}

/** The instance a subscriber plugin's `create` returns. */
export interface SubscriberPluginInstance {
  subscribe: readonly EventSubscription[];
  /** Services this plugin provides, one per reference in its `provides`. */
  services?: readonly ProvidedService<any>[];
  start?(): Promise<void>;
  stop?(): Promise<void>;
  health?(): Promise<HealthCheck>;
}
