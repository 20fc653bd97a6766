import type { Database } from '../store/database.js';
import type { HealthCheck } from '../plugin-api/health.js';
import type { Logger } from '../plugin-api/logger.js';
import type { PublishOptions, QueueMessage, QueueProvider, SubscribeOptions, Subscription } from '../plugin-api/queue.js';
import { KeyedRunner } from '../plugin-api/keyedRunner.js';
import { subjectPatternRegex } from '../plugin-api/subjects.js';
import { WakeableLoop } from '../wakeableLoop.js';

export interface EmbeddedQueueOptions {
  db: Database;
  logger: Logger;
  /** How often a subscription looks for messages published by other instances (ms). */
  pollMs?: number;
  /** How long a message whose handler threw waits before it is delivered again (ms). */
  redeliveryMs?: number;
  /** How long a delivered message is held by its consumer before another may take it (s). */
  lockSeconds?: number;
  /** Messages fetched at once by one subscription. */
  batchSize?: number;
  /** How long a message is kept after every group has it, to deduplicate publishes by id (s). */
  retentionSeconds?: number;
}

interface Claimed {
  seq: string;
  id: string;
  type: string;
  order_key: string | null;
  event: Record<string, unknown> | string;
  attempts: number;
}

/**
 * The built-in queue: no broker, messages kept in DeployDB's own database. A publish stores the
 * message with one delivery row per consumer group whose pattern matches, in one statement;
 * consumers take deliveries with `FOR UPDATE SKIP LOCKED`, so instances on one database share
 * the work, and nothing is lost across a restart.
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
      await this.options.db.sql(
        `with message as (
           insert into queue_message (message_id, type, order_key, event)
           select message_id, type, order_key, event
             from json_to_recordset(?::json) as x(message_id text, type text, order_key text, event json)
           on conflict (message_id) do nothing
           returning id, type)
         insert into queue_delivery (group_name, message_id, available_at)
         select g.name, message.id, now() from message, queue_group g where message.type ~ g.pattern_regex`,
        [JSON.stringify(batch.map((p) => p.message))],
      );
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    for (const p of batch) p.resolve();
    // Wake consumers in turn, so that competing consumers in one process share the work.
    const subscriptions = [...this.subscriptions];
    const first = this.nextWake++ % Math.max(subscriptions.length, 1);
    for (const subscription of [...subscriptions.slice(first), ...subscriptions.slice(0, first)]) subscription.wake();
  }

  async subscribe(pattern: string, { group }: SubscribeOptions, handler: (message: QueueMessage) => Promise<void>): Promise<Subscription> {
    const name = `${group}|${pattern}`;
    // A new group starts with every message still kept, as a broker's new consumer group does.
    await this.options.db.sql(
      `with created as (
         insert into queue_group (name, pattern, pattern_regex) values (?, ?, ?)
         on conflict (name) do nothing returning name, pattern_regex)
       insert into queue_delivery (group_name, message_id, available_at)
       select created.name, m.id, now() from created, queue_message m where m.type ~ created.pattern_regex`,
      [name, pattern, subjectPatternRegex(pattern)],
    );
    const subscription = new EmbeddedSubscription(name, handler, this.options, () => this.subscriptions.delete(subscription));
    this.subscriptions.add(subscription);
    if (this.started) subscription.start();
    return subscription;
  }

  /** Drops messages every group has acknowledged, once they are older than the dedup window. */
  private async prune(retentionSeconds: number): Promise<void> {
    try {
      await this.options.db.sql(
        `delete from queue_message m where m.created_at < now() - make_interval(secs => ?)
           and not exists (select 1 from queue_delivery d where d.message_id = m.id)`,
        [retentionSeconds],
      );
    } catch (error) {
      this.options.logger.warn({ err: error }, 'embedded queue: pruning failed');
    }
  }
}

class EmbeddedSubscription implements Subscription {
  private readonly runner: KeyedRunner;
  private acks: string[] = [];
  private acking: Promise<void> | null = null;
  private readonly loop: WakeableLoop;
  private closing: Promise<void> | null = null;

  constructor(
    private readonly name: string,
    private readonly handler: (message: QueueMessage) => Promise<void>,
    private readonly options: EmbeddedQueueOptions,
    private readonly onClose: () => void,
  ) {
    this.runner = new KeyedRunner(options.batchSize ?? 16);
    this.loop = new WakeableLoop({
      round: () => this.poll(),
      idleMs: options.pollMs ?? 500,
      onError: (error) => options.logger.warn({ err: error, group: name }, 'embedded queue: fetching messages failed'),
    });
  }

  start(): void {
    if (this.loop.isRunning || this.closing) return;
    this.loop.start();
  }

  wake(): void {
    this.loop.wake();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.loop.stop();
      await this.runner.idle();
      this.onClose();
    })();
    return this.closing;
  }

  /** Claims what is due for this group and hands it to the handler; `'now'` when the batch was full. */
  private async poll(): Promise<'now' | void> {
    const batch = this.options.batchSize ?? 16;
    const room = batch - this.runner.pending;
    if (room <= 0) return;
    const rows = await this.options.db.sql<Claimed>(
      `with claimed as (
         update queue_delivery d set locked_until = now() + make_interval(secs => ?), attempts = d.attempts + 1
          where (d.group_name, d.message_id) in (
            select group_name, message_id from queue_delivery
             where group_name = ? and available_at <= now() and (locked_until is null or locked_until < now())
             order by message_id limit ? for update skip locked)
         returning d.message_id, d.attempts)
       select c.message_id::text as seq, m.message_id as id, m.type, m.order_key, m.event, c.attempts
         from claimed c join queue_message m on m.id = c.message_id
        order by c.message_id`,
      [this.options.lockSeconds ?? 60, this.name, room],
    );
    for (const row of rows) {
      this.runner.run(row.order_key ?? undefined, async () => {
        await this.deliver(row);
        // Half the room free again: take more now rather than at the next poll.
        if (this.runner.pending <= batch / 2 + 1) this.wake();
      });
    }
    if (rows.length === room) return 'now';
  }

  private async deliver(row: Claimed): Promise<void> {
    const { db } = this.options;
    try {
      const event = typeof row.event === 'string' ? (JSON.parse(row.event) as Record<string, unknown>) : row.event;
      await this.handler({ id: row.id, type: row.type, event, deliveryCount: row.attempts });
    } catch (error) {
      this.options.logger.debug({ err: error, group: this.name, message: row.id }, 'embedded queue: handler failed; will deliver again');
      await db
        .sql(`update queue_delivery set locked_until = null, available_at = now() + make_interval(secs => ?) where group_name = ? and message_id = ?`, [
          (this.options.redeliveryMs ?? 1000) / 1000,
          this.name,
          row.seq,
        ])
        .catch(() => undefined);
      return;
    }
    await this.ack(row.seq);
  }

  /**
   * Acknowledges by deleting the delivery; acks of handlers finishing together go out in one
   * statement. The ack resolves once written, so a stop waits for it.
   */
  private ack(seq: string): Promise<void> {
    this.acks.push(seq);
    this.acking ??= new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      const seqs = this.acks;
      this.acks = [];
      this.acking = null;
      await this.options.db
        .sql(`delete from queue_delivery where group_name = ? and message_id = any(?::bigint[])`, [this.name, `{${seqs.join(',')}}`])
        .catch((error) => this.options.logger.warn({ err: error, group: this.name }, 'embedded queue: ack failed; the messages will come again'));
    });
    return this.acking;
  }
}
