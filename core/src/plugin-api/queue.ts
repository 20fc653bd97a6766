import type { HealthCheck } from './health.js';

/** A message as a subscriber receives it. */
export interface QueueMessage {
  /** The event id; at-least-once delivery means a subscriber may see an id twice. */
  id: string;
  /** The subject, e.g. `deploydb.deployment.created`. */
  type: string;
  /** The CloudEvent, parsed. */
  event: Record<string, unknown>;
  /** 1 on first delivery, more on redelivery where the broker counts. */
  deliveryCount: number;
}

export interface PublishOptions {
  /** The event id; brokers that deduplicate use it (NATS `Nats-Msg-Id`). */
  id: string;
  /** Messages with one key are delivered in publish order (a deployment's events). */
  key?: string;
}

export interface SubscribeOptions {
  /** Consumers in one group share the messages; each group gets every message. */
  group: string;
  /**
   * Where a group that does not exist yet starts: at every message the bus still keeps
   * (`start`, the default), or at the messages published from now on (`now`). A group that
   * exists goes on from where it is either way.
   */
  from?: 'start' | 'now';
}

export interface Subscription {
  /** Stops taking messages and waits for handlers in progress. */
  close(): Promise<void>;
}

/**
 * A message bus with at-least-once delivery. `publish` resolves only once the broker has the
 * message. A handler's resolve acknowledges the message; a throw gets it delivered again.
 */
export interface QueueProvider {
  start(): Promise<void>;
  /** Stops consuming, lets handlers in flight finish, then closes connections. */
  stop(): Promise<void>;
  health(): Promise<HealthCheck>;
  publish(type: string, event: Record<string, unknown>, options: PublishOptions): Promise<void>;
  /**
   * `pattern` is a dotted subject with NATS wildcards: `*` one token, `>` the rest
   * (`deploydb.deployment.*`, `deploydb.>`).
   */
  subscribe(pattern: string, options: SubscribeOptions, handler: (message: QueueMessage) => Promise<void>): Promise<Subscription>;
}
