import type { Database, Statement } from '../../store/database.js';
import type { HealthCheck } from '../../plugin-api/health.js';
import type { Logger } from '../../plugin-api/logger.js';
import type { PublishOptions, QueueMessage, QueueProvider, SubscribeOptions, Subscription } from '../../plugin-api/queue.js';
import { subjectPatternRegex } from '../../plugin-api/subjects.js';
import { EmbeddedSubscription } from './embeddedSubscription.js';

export interface EmbeddedQueueOptions {
  db: Database;
  logger: Logger;
  /** How often a subscription looks for messages published by other instances (ms; 500). */
  pollMs?: number;
  /** How long a message whose handler threw waits before it is delivered again (ms; 1000). */
  redeliveryMs?: number;
  /** How long a claim's lock lasts unless its consumer renews it, as it does while handling it (s; 60). */
  lockSeconds?: number;
  /** Handlers a subscription runs at once, and so the most messages one claim takes (32). */
  batchSize?: number;
  /**
   * How long a message is kept once every group has it (s; an hour): a group created later
   * starts with these, and a publish repeating one's id is dropped.
   */
  retentionSeconds?: number;
}

/**
 * Serialises writes to the message log, so that messages become visible in the order of their
 * ids (the lock is released only after the commit): a group's position can then move past an
 * id knowing no lower one will appear later.
 */
const LOG_LOCK = 0x71756575; // "queu"

/**
 * The built-in queue: no broker, messages kept in DeployDB's own database. Publishes append to a
 * message log; each consumer group keeps its position in the log and claims the next window of
 * it, so a message costs one row whatever the number of groups. Consumers of a group, in one
 * process or several on one database, share the work, and nothing is lost across a restart.
 */
export class EmbeddedQueue implements QueueProvider {
  private readonly subscriptions = new Set<EmbeddedSubscription>();
  private janitor: NodeJS.Timeout | null = null;
  private started = false;
  private nextWake = 0;
  private pending: Array<{ message: Record<string, unknown>; resolve: () => void; reject: (error: unknown) => void }> = [];

  constructor(private readonly options: EmbeddedQueueOptions) {}

  async start(): Promise<void> {
    this.started = true;
    const retention = this.options.retentionSeconds ?? 3600;
    this.janitor = setInterval(() => void this.prune(retention), 60_000);
    this.janitor.unref();
    for (const subscription of this.subscriptions) subscription.start();
  }

  async stop(): Promise<void> {
    this.started = false;
    if (this.janitor) clearInterval(this.janitor);
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    this.subscriptions.clear();
  }

  async health(): Promise<HealthCheck> {
    if (!this.started) return { status: 'down', detail: 'the queue is stopped' };
    return (await this.options.db.ping()) ? { status: 'ok' } : { status: 'down', detail: 'the database does not answer' };
  }

  /**
   * Publishes made in the same tick are written together in one statement (the relay publishes
   * a batch at once), in call order, so a key's messages keep their order.
   */
  publish(type: string, event: Record<string, unknown>, { id, key }: PublishOptions): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ message: { message_id: id, type, order_key: key ?? null, event }, resolve, reject });
      if (this.pending.length === 1) queueMicrotask(() => void this.writePending());
    });
  }

  private async writePending(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    try {
      await this.options.db.backgroundSql(
        `with log as (select pg_advisory_xact_lock(?))
         insert into queue_message (message_id, type, order_key, event)
         select x.message_id, x.type, x.order_key, x.event
           from log, json_to_recordset(?::json) as x(message_id text, type text, order_key text, event json)
         on conflict (message_id) where message_id is not null do nothing`,
        [LOG_LOCK, JSON.stringify(batch.map((p) => p.message))],
      );
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    for (const p of batch) p.resolve();
    this.wakeSubscriptions();
  }

  /**
   * Takes up to `limit` unpublished events of the outbox into the message log and off
   * `outbox_pending`, in one statement, in outbox order; answers how many it took. The outbox
   * relay's way of publishing to this queue: the log holds a pointer to each outbox row (the
   * event is written once), and the events never leave the database. An event no consumer
   * group's pattern matches (no webhooks, no subscriber for it) is taken off without entering the
   * log: nobody would read it, and a group made later starts from the events that follow.
   * Consumers are woken only when the log grew: events nobody reads cost them nothing.
   */
  async takeFromOutbox(limit: number): Promise<number> {
    const statement = takeFromOutboxStatement(limit);
    const rows = await this.options.db.backgroundSql<{ taken: string; logged: string }>(statement.sql, statement.params);
    if (Number(rows[0]?.logged ?? 0) > 0) this.wakeSubscriptions();
    return Number(rows[0]?.taken ?? 0);
  }

  /** Wakes consumers in turn, so that competing consumers in one process share the work. */
  private wakeSubscriptions(): void {
    const subscriptions = [...this.subscriptions];
    const first = this.nextWake++ % Math.max(subscriptions.length, 1);
    for (const subscription of [...subscriptions.slice(first), ...subscriptions.slice(0, first)]) subscription.wake();
  }

  async subscribe(pattern: string, { group, from = 'start' }: SubscribeOptions, handler: (message: QueueMessage) => Promise<void>): Promise<Subscription> {
    const name = `${group}|${pattern}`;
    // A new group starts at the beginning of the log, with every message still kept, as a
    // broker's new consumer group does; or, asked to start from now, at its end.
    await this.options.db.backgroundSql(
      `insert into queue_group (name, pattern, pattern_regex, position)
       values (?, ?, ?, case when ? then (select coalesce(max(id), 0) from queue_message) else 0 end)
       on conflict (name) do nothing`,
      [name, pattern, subjectPatternRegex(pattern), from === 'now'],
    );
    const subscription = new EmbeddedSubscription(
      name,
      handler,
      {
        db: this.options.db,
        logger: this.options.logger,
        pollMs: this.options.pollMs ?? 500,
        redeliveryMs: this.options.redeliveryMs ?? 1000,
        lockSeconds: this.options.lockSeconds ?? 60,
        batchSize: this.options.batchSize ?? 32,
      },
      () => this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    if (this.started) subscription.start();
    return subscription;
  }

  /** Drops messages every group has taken and settled, once they are older than the retention (s); runs every minute. */
  async prune(retentionSeconds: number): Promise<void> {
    try {
      await this.options.db.backgroundSql(
        // Below every group's position and below every claim's window, no one will read a message again.
        `delete from queue_message where created_at < now() - make_interval(secs => ?)
           and id <= coalesce(least((select min(position) from queue_group), (select min(after_id) from queue_claim)), id)`,
        [retentionSeconds],
      );
    } catch (error) {
      this.options.logger.warn({ err: error }, 'embedded queue: pruning failed');
    }
  }
}

/**
 * The statement of `EmbeddedQueue.takeFromOutbox`. The events are chosen in a sub-select run once
 * (`= any(array(…))`): as `in (…)`, the planner may rescan it for each row of `outbox_pending`,
 * which it believes empty from its last vacuum until the next, locking and skipping its way
 * through the whole backlog each time (minutes, at a backlog of a million).
 */
export function takeFromOutboxStatement(limit: number): Statement {
  return {
    sql: `with log as (select pg_advisory_xact_lock(?)),
       taken as (
         delete from outbox_pending where id = any(array(
           select p.id from outbox_pending p, log order by p.id limit ? for update of p skip locked))
         returning id),
       logged as (
         insert into queue_message (type, order_key, outbox_id)
         select o.type, o.order_key, o.id from taken t join outbox_event o on o.id = t.id
          where exists (select 1 from queue_group g where o.type ~ g.pattern_regex) order by o.id
         returning 1)
       select (select count(*) from taken)::text as taken, (select count(*) from logged)::text as logged`,
    params: [LOG_LOCK, limit],
  };
}
