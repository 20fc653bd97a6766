import pg from 'pg';
import type { Database } from '../../store/database.js';
import type { Logger } from '../../plugin-api/logger.js';
import type { QueueProvider } from '../../plugin-api/queue.js';
import { WakeableLoop } from '../../wakeableLoop.js';
import { exponentialDelay } from '../../retry.js';
import { PeriodicVacuum } from '../../store/periodicVacuum.js';

export interface OutboxRelayOptions {
  db: Database;
  queue: QueueProvider;
  /**
   * Set when the queue keeps its messages in DeployDB's own database: copies up to `limit`
   * unpublished events into it and takes them off `outbox_pending`, in one statement, answering
   * how many; used instead of publishing them one by one through `queue`.
   */
  takeFromOutbox?: (limit: number) => Promise<number>;
  logger: Logger;
  /** Events read and published per round. */
  batchSize?: number;
  /** Look for events even when nothing woke the relay (ms): commits of other instances without NOTIFY. */
  pollMs?: number;
  /** Events published between two vacuums of `outbox_pending` (5 000; see store/periodicVacuum.ts). */
  vacuumEvery?: number;
}

interface PendingRow {
  id: string;
  event_id: string;
  type: string;
  order_key: string;
  event: Record<string, unknown> | string;
}

/** How long a non-publishing instance gathers its commits before it wakes the publisher. */
const NOTIFY_COALESCE_MS = 5;

/** Under load, how long the relay lets events gather before its next round (ms). */
const GATHER_MS = 5;

/** Key of the advisory lock that makes one instance the publisher. */
const LEADER_LOCK = 0x6465706c; // "depl"

/**
 * Publishes the outbox to the queue: events in id order, one deployment's events one after
 * another, marked published only once the queue confirmed them. On PostgreSQL one instance
 * publishes at a time (a session advisory lock on a connection of its own, which also LISTENs
 * for the other instances' commits); the embedded database has one process by construction.
 */
export class OutboxRelay {
  private client: pg.Client | null = null;
  private leader = false;
  private readonly loop: WakeableLoop;
  private failures = 0;
  private readonly vacuum: PeriodicVacuum;
  private notifyPending = false;
  /** The last statement sent on `client`: the next waits for it (one client runs one query at a time). */
  private clientTurn: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: OutboxRelayOptions) {
    this.vacuum = new PeriodicVacuum(options.db, 'outbox_pending', options.vacuumEvery ?? 5_000, options.logger);
    this.loop = new WakeableLoop({
      round: () => this.round(),
      idleMs: options.pollMs ?? 1000,
      gatherMs: GATHER_MS,
      onError: (error) => options.logger.warn({ err: error }, 'outbox relay: round failed'),
    });
  }

  async start(): Promise<void> {
    if (this.options.db.kind === 'embedded') this.leader = true;
    else await this.connect().catch((error) => this.options.logger.warn({ err: error }, 'outbox relay: cannot connect yet'));
    this.loop.start();
  }

  /**
   * Events were committed by this instance: publish them now if this instance publishes, else
   * tell the one that does (a NOTIFY at most every few milliseconds; notifying from every
   * commit would serialize all commits on PostgreSQL's notification queue).
   */
  eventsStored(): void {
    if (this.leader) {
      this.wake();
      return;
    }
    if (this.notifyPending || !this.client) return;
    this.notifyPending = true;
    setTimeout(() => {
      this.notifyPending = false;
      this.onClient((client) => client.query(`select pg_notify('deploydb_outbox', '')`)).catch(() => undefined);
    }, NOTIFY_COALESCE_MS).unref();
  }

  /** Publish now. */
  wake(): void {
    this.loop.wake();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    const client = this.client;
    this.client = null;
    this.leader = this.options.db.kind === 'embedded';
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.db.url });
    client.on('error', (error) => {
      this.options.logger.warn({ err: error }, 'outbox relay: connection lost');
      if (this.client === client) {
        this.client = null;
        this.leader = false;
      }
    });
    client.on('notification', () => this.wake());
    await client.connect();
    await client.query('listen deploydb_outbox');
    this.client = client;
  }

  /** Runs `statement` on the relay's own connection once the statement before it has ended. */
  private onClient<T>(statement: (client: pg.Client) => Promise<T>): Promise<T> {
    const turn = this.clientTurn.then(() => {
      if (!this.client) throw new Error('outbox relay: not connected');
      return statement(this.client);
    });
    this.clientTurn = turn.catch(() => undefined);
    return turn;
  }

  private async ensureLeadership(): Promise<boolean> {
    if (this.leader) return true;
    if (!this.client) await this.connect();
    const { rows } = await this.onClient((client) => client.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [LEADER_LOCK]));
    this.leader = rows[0]!.locked;
    if (this.leader) this.options.logger.info('outbox relay: this instance publishes events');
    return this.leader;
  }

  /** A round, then: at once again after a full batch, a growing backoff while the queue refuses. */
  private async round(): Promise<number | 'now' | void> {
    const full = await this.publishRound();
    if (this.failures > 0) return exponentialDelay(this.failures + 1, 250, 10_000);
    if (full) return 'now';
  }

  /** Publishes one batch; true when the batch was full (more may be waiting). */
  private async publishRound(): Promise<boolean> {
    if (!(await this.ensureLeadership())) return false;
    const limit = this.options.batchSize ?? 500;
    if (this.options.takeFromOutbox) {
      const taken = await this.options.takeFromOutbox(limit);
      await this.vacuum.taken(taken);
      return taken === limit;
    }
    const rows = await this.options.db.backgroundSql<PendingRow>(
      `select o.id::text as id, o.event_id::text as event_id, o.type, o.order_key, o.event
         from outbox_pending p join outbox_event o on o.id = p.id order by p.id limit ?`,
      [limit],
    );
    if (rows.length === 0) {
      this.failures = 0;
      return false;
    }
    const published = await this.publish(rows);
    if (published.length > 0) {
      await this.options.db.backgroundSql(`delete from outbox_pending where id = any(?::bigint[])`, [published]);
      await this.vacuum.taken(published.length);
    }
    if (published.length < rows.length) {
      if (this.failures === 0) this.options.logger.warn({ pending: rows.length - published.length }, 'outbox relay: the queue refused events; retrying');
      this.failures += 1;
      return false;
    }
    if (this.failures > 0) this.options.logger.info('outbox relay: the queue takes events again');
    this.failures = 0;
    return rows.length === limit;
  }

  /** Publishes a batch, one order key's events in sequence (stopping at its first failure), keys side by side. */
  private async publish(rows: PendingRow[]): Promise<string[]> {
    const byKey = new Map<string, PendingRow[]>();
    for (const row of rows) {
      const list = byKey.get(row.order_key);
      if (list) list.push(row);
      else byKey.set(row.order_key, [row]);
    }
    const published: string[] = [];
    await Promise.all(
      [...byKey.values()].map(async (events) => {
        for (const row of events) {
          const event = typeof row.event === 'string' ? (JSON.parse(row.event) as Record<string, unknown>) : row.event;
          try {
            await this.options.queue.publish(row.type, event, { id: row.event_id, key: row.order_key });
          } catch (error) {
            this.options.logger.debug({ err: error, event: row.event_id }, 'outbox relay: publish failed');
            return;
          }
          published.push(row.id);
        }
      }),
    );
    return published;
  }
}
