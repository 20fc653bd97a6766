import type { Database } from '../../store/database.js';
import type { Logger } from '../../plugin-api/logger.js';
import type { CloudEvent } from '../cloudEvent.js';
import { uuidv7Time } from '../uuidv7.js';
import { WakeableLoop } from '../../wakeableLoop.js';
import { OutboxTail, type CatchUp, type LateEvent, type OutboxTailOptions } from './outboxTail.js';
import { StreamClient } from './streamClient.js';

export interface EventStreamOptions {
  /** Between keep-alive comments (ms; default 15 s). */
  heartbeatMs?: number;
  /** How often the outbox is read when nothing woke the reader (ms; default 250): other instances' events. */
  pollMs?: number;
  /** Events that may wait for one client; a client further behind is dropped (default 1000). */
  clientBufferLimit?: number;
  /** How long the reader goes on after its last client left (ms; default 60 s), so that a reconnect finds it warm. */
  lingerMs?: number;
  tail?: OutboxTailOptions;
}

export interface Subscription {
  matches: (event: CloudEvent) => boolean;
  /** The `Last-Event-ID` the client sent: it gets what it missed since, then live events. */
  lastEventId?: string;
  /** Closes the connection outright (a dropped client that does not read its last frame). */
  forceClose?: () => void;
}

/** Missed events are read this many at a time. */
const CATCH_UP_PAGE = 500;

/**
 * The live event stream (CONTRACT §12): one reader of the outbox per process, whatever the
 * number of clients, fanning each event out to those whose filter it matches. The outbox is the
 * event log every instance on one database writes, so events of other instances arrive too. The
 * reader runs while clients are connected: woken when this process stored events, otherwise
 * every `pollMs`.
 */
export class EventStreamHub {
  private readonly clients = new Set<StreamClient>();
  private readonly tail: OutboxTail;
  private readonly loop: WakeableLoop;
  private starting: Promise<void> | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private linger: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Subscriptions on their way in: the reader must not halt under them. */
  private joining = 0;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly options: EventStreamOptions = {},
  ) {
    this.tail = new OutboxTail((statement, params) => db.backgroundSql(statement, params), options.tail);
    this.loop = new WakeableLoop({
      round: () => this.round(),
      idleMs: options.pollMs ?? 250,
      onError: (error) => logger.warn({ err: error }, 'event stream: reading the outbox failed'),
    });
  }

  /** Clients connected now. */
  get clientCount(): number {
    return this.clients.size;
  }

  /** This process stored events: read them now. */
  wake(): void {
    this.loop.wake();
  }

  /**
   * Connects a client. With `lastEventId` it first gets the events after that one still in the
   * outbox (ids the outbox no longer holds: every event retained if the id is older than all of
   * them, else live events only, with a comment saying so).
   */
  async subscribe(subscription: Subscription): Promise<StreamClient> {
    const limit = this.options.clientBufferLimit ?? 1000;
    const client = new StreamClient(subscription.matches, limit, (gone) => this.leave(gone), subscription.forceClose);
    if (this.stopped) {
      client.end('the server is stopping');
      return client;
    }
    this.joining += 1;
    let last: Awaited<ReturnType<EventStreamHub['locate']>> | null;
    try {
      if (this.linger) clearTimeout(this.linger);
      this.linger = null;
      await this.ensureRunning();
      last = subscription.lastEventId ? await this.locate(subscription.lastEventId) : null;
    } finally {
      this.joining -= 1;
    }
    // Taken together with joining, with no wait between: whatever was handed out before is in
    // the catch-up, whatever comes after reaches the client live.
    this.clients.add(client);
    if (last === 'unknown') {
      client.comment('the event named by Last-Event-ID is not retained; live events only');
      client.goLive();
    } else if (last === null) {
      client.goLive();
    } else {
      client.seenUpTo = last.late ? 0 : last.id;
      void this.catchUp(client, this.tail.catchUp(last));
    }
    return client;
  }

  /** Ends every stream (each gets a last comment) and stops reading. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const client of [...this.clients]) client.end('the server is stopping');
    this.clients.clear();
    await this.halt();
  }

  private async ensureRunning(): Promise<void> {
    await this.halting;
    if (this.loop.isRunning) return;
    this.starting ??= this.tail
      .start()
      .then(() => {
        if (this.stopped) return;
        this.loop.start();
        const every = this.options.heartbeatMs ?? 15_000;
        if (this.heartbeat) clearInterval(this.heartbeat);
        this.heartbeat = setInterval(() => {
          for (const client of this.clients) client.comment('keep-alive');
        }, every);
        this.heartbeat.unref();
      })
      .finally(() => (this.starting = null));
    await this.starting;
  }

  /** Where the client's last event is: in the outbox (by its id), before everything retained, or unknown. */
  private async locate(eventId: string): Promise<{ id: number; late: LateEvent | null } | 'unknown'> {
    const late = this.tail.lateEvent(eventId);
    if (late) return { id: late.id, late };
    const [found] = await this.db.backgroundSql<{ id: string }>(`select id::text as id from outbox_event where event_id = ?::uuid`, [eventId]);
    if (found) return { id: Number(found.id), late: null };
    const time = uuidv7Time(eventId);
    const [oldest] = await this.db.backgroundSql<{ id: string; created_at: Date | string }>(`select id::text as id, created_at from outbox_event order by outbox_event.id limit 1`);
    if (time !== null && oldest && time < new Date(oldest.created_at).getTime()) return { id: Number(oldest.id) - 1, late: null };
    return 'unknown';
  }

  /** Sends a resuming client what it missed, page by page as it reads, then what arrived live meanwhile. */
  private async catchUp(client: StreamClient, plan: CatchUp): Promise<void> {
    try {
      const late = await this.tail.byIds(plan.late.map((l) => l.id));
      const lateById = new Map(late.map((e) => [e.id, e]));
      const lateInOrder = [...plan.late].sort((a, b) => a.roundStart - b.roundStart || a.id - b.id);
      let next = 0;
      const sendLateUpTo = (position: number) => {
        for (; next < lateInOrder.length && lateInOrder[next]!.roundStart < position; next += 1) {
          const event = lateById.get(lateInOrder[next]!.id);
          if (event && client.matches(event.event)) client.sendMissed(event.frame);
        }
      };
      let after = plan.after;
      for (;;) {
        await client.room();
        if (client.gone) return;
        const page = await this.tail.range(after, plan.upto, CATCH_UP_PAGE);
        for (const event of page) {
          sendLateUpTo(event.id);
          if (!plan.skip.has(event.id) && client.matches(event.event)) client.sendMissed(event.frame);
        }
        if (page.length < CATCH_UP_PAGE) break;
        after = page.at(-1)!.id;
      }
      sendLateUpTo(Number.POSITIVE_INFINITY);
      client.goLive();
    } catch (error) {
      this.logger.warn({ err: error }, 'event stream: reading missed events failed');
      client.end('the missed events could not be read; reconnect to try again');
    }
  }

  private async round(): Promise<'now' | void> {
    const { events, full } = await this.tail.read();
    for (const event of events) {
      for (const client of this.clients) if (client.matches(event.event)) client.sendLive(event);
    }
    return full ? 'now' : undefined;
  }

  private leave(client: StreamClient): void {
    this.clients.delete(client);
    if (this.clients.size > 0 || this.joining > 0 || this.stopped || this.linger) return;
    this.linger = setTimeout(() => {
      this.linger = null;
      if (this.clients.size === 0 && this.joining === 0) void this.halt();
    }, this.options.lingerMs ?? 60_000);
    this.linger.unref();
  }

  /** A halt in progress: a subscription waits for it, then starts the reader afresh. */
  private halting: Promise<void> | null = null;

  private halt(): Promise<void> {
    if (this.linger) clearTimeout(this.linger);
    this.linger = null;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.halting ??= (async () => {
      await this.starting?.catch(() => undefined);
      await this.loop.stop();
    })().finally(() => (this.halting = null));
    return this.halting;
  }
}
