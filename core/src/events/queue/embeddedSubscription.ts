import type { Database } from '../../store/database.js';
import type { Logger } from '../../plugin-api/logger.js';
import type { QueueMessage, Subscription } from '../../plugin-api/queue.js';
import { KeyedRunner } from '../../plugin-api/keyedRunner.js';
import { WakeableLoop } from '../../wakeableLoop.js';

export interface EmbeddedSubscriptionOptions {
  db: Database;
  logger: Logger;
  /** How often to look for messages nobody woke this consumer for (other instances' publishes, due retries), ms. */
  pollMs: number;
  /** How long a message whose handler threw waits before it is delivered again (ms). */
  redeliveryMs: number;
  /** How long a claim's lock lasts (s): renewed every third of it while handled, it runs out only when its consumer died. */
  lockSeconds: number;
  /** Handlers run at once, and so the most messages one claim takes. */
  batchSize: number;
}

interface ClaimedMessage {
  claim: string;
  seq: string;
  /** Null when the outbox row the message pointed to is gone (pruned after the retention). */
  id: string | null;
  type: string;
  order_key: string | null;
  /** The event's JSON text: parsed only if the handler reads it. */
  event: string | null;
  attempts: number;
}

/** A claim in flight: how many of its messages are still being handled, and which failed. */
interface OpenClaim {
  remaining: number;
  attempts: number;
  failed: string[];
}

/** Under load, how long a consumer lets messages gather before its next claim (ms). */
const GATHER_MS = 25;

/** Claims due again (a failed message, a batch whose consumer died) taken per poll, longest due first. */
const DUE_CLAIMS_PER_POLL = 16;


/**
 * Takes, in one statement: claims due again, and the next window of the log past the group's
 * position as a new claim: up to the room's worth of messages matching the group's pattern, or,
 * with fewer, the rest of the log. A claim is stored only when it holds a match; the position
 * moves on either way, so a group passes over what it does not want once. The group row is
 * locked for the statement, so competing consumers of a group, in this process or another, take
 * disjoint windows (`moved` runs though nothing reads it: PostgreSQL always runs a
 * data-modifying WITH). Answers the claimed messages that match the pattern, in log order.
 */
const CLAIM = `
with g as (
  select name, position, pattern_regex from queue_group where name = ? for no key update
), due as (
  update queue_claim c set locked_until = now() + make_interval(secs => ?), attempts = c.attempts + 1
   where c.id = any(array(select id from queue_claim
                   where group_name = ? and available_at <= now() and (locked_until is null or locked_until < now())
                   order by available_at limit ${DUE_CLAIMS_PER_POLL} for update skip locked))
  returning c.id, c.after_id, c.upto_id, c.attempts
), matches as (
  select id from queue_message
   where id > (select position from g) and type ~ (select pattern_regex from g)
   order by id limit ?
), win as (
  select case when (select count(*) from matches) < ? then (select max(id) from queue_message) else (select max(id) from matches) end as upto_id
), moved as (
  update queue_group q set position = win.upto_id from win, g where q.name = g.name and win.upto_id > g.position
  returning q.name
), fresh as (
  insert into queue_claim (group_name, after_id, upto_id, attempts, available_at, locked_until)
  select g.name, g.position, win.upto_id, 1, now(), now() + make_interval(secs => ?) from g, win
   where exists (select 1 from matches)
  returning id, after_id, upto_id, attempts
), claims as (
  select * from due union all select * from fresh
)
select c.id::text as claim, m.id::text as seq, coalesce(m.message_id, o.event_id::text) as id, m.type, m.order_key,
       coalesce(m.event, o.event)::text as event, c.attempts
  from claims c
  join lateral (
    select * from queue_message m where m.id > c.after_id and m.id <= c.upto_id and m.type ~ (select pattern_regex from g)
    offset 0 -- kept a subquery: an index range scan per claim, never a scan of the whole log
  ) m on true
  -- a message taken from the outbox points to its event there
  left join outbox_event o on o.id = m.outbox_id
 order by m.id`;

/**
 * Ends finished claims: deletes them, and puts each failed message back as a claim of its own,
 * due after the redelivery delay. Only claims still there are settled: one that expired and was
 * settled by the consumer that took it over adds no second retry.
 */
const SETTLE = `
with settled as (delete from queue_claim where id = any(?::bigint[]) returning id)
insert into queue_claim (group_name, after_id, upto_id, attempts, available_at)
select ?, f.seq - 1, f.seq, f.attempts, now() + make_interval(secs => ?)
  from unnest(?::bigint[], ?::int[], ?::bigint[]) as f(seq, attempts, claim)
 where f.claim in (select id from settled)`;

/** Extends the lock of claims still being handled, unless it ran out already (the claim may be another's now). */
const RENEW = `update queue_claim set locked_until = now() + make_interval(secs => ?) where id = any(?::bigint[]) and locked_until >= now()`;

/**
 * One consumer of a group on the embedded queue. A poll claims a window of the message log; its
 * messages go to the handler (one key's in order, up to `batchSize` at once); once all of a claim's
 * messages are handled the claim is settled, failed messages coming back later. While a claim is
 * being handled its lock is renewed; a claim whose lock ran out (its consumer died) is delivered
 * again, to any consumer of the group.
 */
export class EmbeddedSubscription implements Subscription {
  private readonly runner: KeyedRunner;
  /** A poll found too little room to claim: the handlers finishing call for the next one. */
  private waiting = false;
  private readonly loop: WakeableLoop;
  private readonly open = new Map<string, OpenClaim>();
  private finished: Array<{ claim: string } & OpenClaim> = [];
  private settling: Promise<void> | null = null;
  private closing: Promise<void> | null = null;
  private renewal: NodeJS.Timeout | null = null;

  constructor(
    private readonly group: string,
    private readonly handler: (message: QueueMessage) => Promise<void>,
    private readonly options: EmbeddedSubscriptionOptions,
    private readonly onClose: () => void,
  ) {
    this.runner = new KeyedRunner(options.batchSize);
    this.loop = new WakeableLoop({
      round: () => this.poll(),
      idleMs: options.pollMs,
      gatherMs: GATHER_MS,
      onError: (error) => options.logger.warn({ err: error, group }, 'embedded queue: fetching messages failed'),
    });
  }

  start(): void {
    if (this.loop.isRunning || this.closing) return;
    this.loop.start();
    this.renewal = setInterval(() => void this.renew(), (this.options.lockSeconds * 1000) / 3);
    this.renewal.unref();
  }

  wake(): void {
    this.loop.wake();
  }

  /** Stops claiming, lets the handlers in flight finish and settles their claims. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.loop.stop();
      await this.runner.idle();
      while (this.settling) await this.settling;
      if (this.renewal) clearInterval(this.renewal);
      this.onClose();
    })();
    return this.closing;
  }

  /**
   * Claims as many messages as there are free handlers, once at least half of them are free (a
   * consumer never holds more than it can start: what it cannot handle now stays for the other
   * consumers of the group); `'now'` when the claim was full, so a backlog is taken without pause.
   */
  private async poll(): Promise<'now' | void> {
    const { batchSize, lockSeconds } = this.options;
    const room = batchSize - this.runner.pending;
    if (room < batchSize / 2) {
      this.waiting = true;
      return;
    }
    this.waiting = false;
    const rows = await this.options.db.backgroundSql<ClaimedMessage>(CLAIM, [this.group, lockSeconds, this.group, room, room, lockSeconds]);
    for (const row of rows) {
      const claim = this.open.get(row.claim);
      if (claim) claim.remaining += 1;
      else this.open.set(row.claim, { remaining: 1, attempts: row.attempts, failed: [] });
    }
    const full = rows.length >= room;
    for (const row of rows) {
      this.runner.run(row.order_key ?? undefined, async () => {
        await this.deliver(row);
        // Half the handlers free again while messages wait: the next claim, without gathering.
        if ((full || this.waiting) && this.runner.pending <= batchSize / 2) this.loop.hurry();
      });
    }
    if (full) return 'now';
  }

  /** Keeps the claims in hand locked while their handlers run, however long that takes. */
  private async renew(): Promise<void> {
    if (this.open.size === 0) return;
    await this.options.db
      .backgroundSql(RENEW, [this.options.lockSeconds, [...this.open.keys()]])
      .catch((error) => this.options.logger.warn({ err: error, group: this.group }, 'embedded queue: renewing claims failed'));
  }

  private async deliver(row: ClaimedMessage): Promise<void> {
    const claim = this.open.get(row.claim)!;
    try {
      // An event older than the outbox keeps them (a group that lagged for days) cannot be delivered.
      if (row.id === null || row.event === null) this.options.logger.warn({ group: this.group, message: row.seq }, 'embedded queue: the event is gone from the outbox; skipped');
      else await this.handler(messageOf(row as ClaimedMessage & { id: string; event: string }));
    } catch (error) {
      this.options.logger.debug({ err: error, group: this.group, message: row.id }, 'embedded queue: handler failed; will deliver again');
      claim.failed.push(row.seq);
    }
    claim.remaining -= 1;
    if (claim.remaining === 0) {
      this.open.delete(row.claim);
      await this.settle({ claim: row.claim, ...claim });
    }
  }

  /**
   * Settles finished claims; claims finishing together go out in one statement. Resolves once
   * written, so a close waits for it. Should the write fail, the claims expire and their
   * messages come again.
   */
  private settle(claim: { claim: string } & OpenClaim): Promise<void> {
    this.finished.push(claim);
    this.settling ??= new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      const claims = this.finished;
      this.finished = [];
      this.settling = null;
      const failed = claims.flatMap((c) => c.failed.map((seq) => ({ seq, attempts: c.attempts, claim: c.claim })));
      await this.options.db
        .backgroundSql(SETTLE, [
          claims.map((c) => c.claim),
          this.group,
          this.options.redeliveryMs / 1000,
          failed.map((f) => f.seq),
          failed.map((f) => f.attempts),
          failed.map((f) => f.claim),
        ])
        .catch((error) => this.options.logger.warn({ err: error, group: this.group }, 'embedded queue: settling failed; the messages will come again'));
    });
    return this.settling;
  }
}

/** The handler's message; its event is parsed when first read (many handlers never read it). */
function messageOf(row: ClaimedMessage & { id: string; event: string }): QueueMessage {
  let event: Record<string, unknown> | undefined;
  return {
    id: row.id,
    type: row.type,
    deliveryCount: row.attempts,
    get event() {
      return (event ??= JSON.parse(row.event) as Record<string, unknown>);
    },
    set event(value) {
      event = value;
    },
  };
}
