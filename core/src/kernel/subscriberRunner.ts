import type { CloudEvent } from '../events/cloudEvent.js';
import type { HealthCheck } from '../plugin-api/health.js';
import type { Logger } from '../plugin-api/logger.js';
import type { QueueMessage, QueueProvider, Subscription } from '../plugin-api/queue.js';
import type { EventSubscription } from '../plugin-api/subscriber.js';
import { assertPattern, subjectMatches } from '../plugin-api/subjects.js';
import { DeployDbError } from '../errors.js';

/** The prefix of every outbound event type; subscriber patterns are relative to it. */
const EVENT_PREFIX = 'deploydb.';

/** The consumer group of a subscriber plugin (and of its n-th pattern, when it has several). */
export function subscriberGroupOf(pluginId: string, n: number): string {
  const base = `deploydb-plugin-${pluginId.replace(/^@/, '').replace(/[^A-Za-z0-9_-]/g, '_')}`;
  return n === 0 ? base : `${base}-${n}`;
}

/** The environment an event concerns: a deployment's, or a promotion result's deployment's. */
function environmentOf(event: CloudEvent): string | undefined {
  const data = event.data as { environment?: unknown; deployment?: { environment?: unknown } } | null;
  const environment = data?.environment ?? data?.deployment?.environment;
  return typeof environment === 'string' ? environment : undefined;
}

/**
 * Runs a subscriber plugin's `subscribe` list over the queue: one consumer group per distinct
 * pattern (a queue consumes one pattern per group), each new group starting at events published
 * from now on. An event reaches each subscription whose patterns and environments match it once
 * per delivery, through the group of the first of the plugin's patterns that matches it (the
 * other groups acknowledge it untouched). A handler that throws leaves the event unacknowledged:
 * the queue delivers it again later, to the plugin's matching subscriptions.
 */
export class SubscriberRunner {
  private readonly subscriptions: Subscription[] = [];
  private readonly patterns: string[];
  /** Events whose handling failed and has not gone through since, by id (the oldest forgotten beyond a hundred). */
  private readonly failing = new Map<string, string>();

  constructor(
    private readonly pluginId: string,
    private readonly entries: readonly EventSubscription[],
    private readonly queue: QueueProvider,
    private readonly logger: Logger,
  ) {
    const patterns = entries.flatMap((entry) => entry.events.map((pattern) => `${EVENT_PREFIX}${pattern}`));
    for (const pattern of patterns) assertPattern(pattern);
    this.patterns = [...new Set(patterns)];
    if (entries.some((entry) => typeof entry.handle !== 'function')) throw new DeployDbError('config_invalid', `subscriber "${pluginId}": every subscription needs a handle function`);
  }

  async start(): Promise<void> {
    for (const [n, pattern] of this.patterns.entries()) {
      const subscription = await this.queue.subscribe(pattern, { group: subscriberGroupOf(this.pluginId, n), from: 'now' }, (message) => this.receive(pattern, message));
      this.subscriptions.push(subscription);
    }
  }

  async stop(): Promise<void> {
    const open = this.subscriptions.splice(0);
    await Promise.all(open.map((subscription) => subscription.close()));
  }

  /** Degraded while an event whose handler failed waits to be handled again. */
  health(): HealthCheck {
    const [first] = this.failing;
    if (!first) return { status: 'ok', detail: `subscribed to ${this.patterns.join(', ')}` };
    const [eventId, message] = first;
    return { status: 'degraded', detail: `${this.failing.size} event(s) to be delivered again; a handler failed on ${eventId}: ${message}` };
  }

  private async receive(pattern: string, message: QueueMessage): Promise<void> {
    if (this.patterns.find((p) => subjectMatches(p, message.type)) !== pattern) return;
    const event = message.event as unknown as CloudEvent;
    const environment = environmentOf(event);
    const due = this.entries.filter(
      (entry) =>
        entry.events.some((p) => subjectMatches(`${EVENT_PREFIX}${p}`, message.type)) &&
        (!entry.environments || (environment !== undefined && entry.environments.includes(environment))),
    );
    try {
      for (const entry of due) await entry.handle(event, { deliveryCount: message.deliveryCount });
      this.failing.delete(message.id);
    } catch (error) {
      this.failing.delete(message.id);
      this.failing.set(message.id, (error as Error).message);
      if (this.failing.size > 100) this.failing.delete(this.failing.keys().next().value!);
      this.logger.warn({ err: error, eventId: message.id, type: message.type, deliveryCount: message.deliveryCount }, 'subscriber failed; the event comes again');
      throw error;
    }
  }
}
