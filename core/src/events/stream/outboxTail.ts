import type { CloudEvent } from '../cloudEvent.js';
import { eventFrame, type StreamEvent } from './streamFilter.js';

/** Runs one statement with `?` placeholders (the database's background pool). */
export type TailSql = <T>(statement: string, params?: unknown[]) => Promise<T[]>;

export interface OutboxTailOptions {
  /** How long an id passed over is looked for again: a transaction still open may yet commit it (ms). */
  gapTtlMs?: number;
  /** At most this many passed-over ids are remembered; beyond, the oldest are given up. */
  maxGaps?: number;
  /** Rows read per round. */
  batchSize?: number;
  /** How long the position of a late event is remembered, for clients that resume after it (ms). */
  lateTtlMs?: number;
  now?: () => number;
}

/**
 * An event that committed after events with higher ids had been handed out. `roundStart` is the
 * position when it was handed out: it came after every event up to there.
 */
export interface LateEvent {
  id: number;
  eventId: string;
  roundStart: number;
  at: number;
}

/** Where a resuming client's missed events are, as of the moment it subscribed. */
export interface CatchUp {
  /** Missed: events with ids in (after, upto]... */
  after: number;
  upto: number;
  /** ...except these (not handed out yet: they will come live; or late ones, placed by `late`). */
  skip: ReadonlySet<number>;
  /** Late events handed out after the client's last one, each after the events up to its `roundStart`. */
  late: readonly LateEvent[];
}

interface Row {
  id: string;
  event: CloudEvent | string;
}

const SELECT = `select id::text as id, event from outbox_event`;

/**
 * Reads the outbox in id order, for the event stream. Ids come from a sequence taken at insert,
 * so a transaction still open can commit a lower id after higher ones were read: ids passed over
 * are remembered for a while and looked for again each round, and an event found that way is
 * handed out late (and its place remembered, so that a client resuming after it misses nothing).
 * Each event is handed out once.
 */
export class OutboxTail {
  /** Every id up to here was read, but the gaps. */
  private position = 0;
  /** Ids passed over, with when they were first missed. */
  private readonly gaps = new Map<number, number>();
  private late: LateEvent[] = [];
  private readonly gapTtlMs: number;
  private readonly maxGaps: number;
  private readonly batchSize: number;
  private readonly lateTtlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly sql: TailSql,
    options: OutboxTailOptions = {},
  ) {
    this.gapTtlMs = options.gapTtlMs ?? 60_000;
    this.maxGaps = options.maxGaps ?? 10_000;
    this.batchSize = options.batchSize ?? 500;
    this.lateTtlMs = options.lateTtlMs ?? 3_600_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * Starts at the newest event; ids missing just below it may still commit, so they count as
   * passed over. Late events handed out before a restart stay known: clients may resume after them.
   */
  async start(): Promise<void> {
    const [top] = await this.sql<{ id: string | null }>(`select max(id)::text as id from outbox_event`);
    this.position = Number(top?.id ?? 0);
    this.gaps.clear();
    const span = Math.min(this.maxGaps, 1000);
    const missing = await this.sql<{ id: string }>(
      `select s.id::text as id from generate_series(greatest(?::bigint - ?, 0) + 1, ?::bigint) as s(id)
        where not exists (select 1 from outbox_event o where o.id = s.id)`,
      [this.position, span, this.position],
    );
    const now = this.now();
    for (const { id } of missing) this.gaps.set(Number(id), now);
  }

  /** One round: events committed since the last, in the order to hand them out; `full` when more are waiting. */
  async read(): Promise<{ events: StreamEvent[]; full: boolean }> {
    this.forgetOld();
    const gapIds = [...this.gaps.keys()];
    const rows = await this.sql<Row>(
      gapIds.length > 0
        ? `(${SELECT} where id > ? order by outbox_event.id limit ?) union all (${SELECT} where id = any(?::bigint[]))`
        : `${SELECT} where id > ? order by outbox_event.id limit ?`,
      gapIds.length > 0 ? [this.position, this.batchSize, `{${gapIds.join(',')}}`] : [this.position, this.batchSize],
    );
    const events = rows.map(toStreamEvent).sort((a, b) => a.id - b.id);
    const roundStart = this.position;
    const now = this.now();
    let fresh = 0;
    for (const event of events) {
      if (event.id <= roundStart) {
        event.late = true;
        this.gaps.delete(event.id);
        this.late.push({ id: event.id, eventId: event.event.id, roundStart, at: now });
        continue;
      }
      fresh += 1;
      // Ids between the last one read and this one were taken by transactions not committed yet (or rolled back).
      for (let missing = Math.max(this.position + 1, event.id - this.maxGaps); missing < event.id; missing += 1) this.gaps.set(missing, now);
      this.position = event.id;
    }
    this.trimGaps();
    return { events, full: fresh === this.batchSize };
  }

  /** The late event with this event id, if one was handed out recently. */
  lateEvent(eventId: string): LateEvent | null {
    return this.late.find((late) => late.eventId === eventId) ?? null;
  }

  /**
   * What a client that got event `last` (at outbox position `lastId`) missed, among the events
   * handed out so far; events handed out from now on reach it live.
   */
  catchUp(last: { id: number; late: LateEvent | null } | null): CatchUp {
    const late = last === null ? [] : this.late.filter((l) => (last.late ? l.roundStart > last.late.roundStart || (l.roundStart === last.late.roundStart && l.id > last.late.id) : l.roundStart >= last.id));
    const after = last === null ? 0 : last.late ? last.late.roundStart : last.id;
    return { after, upto: this.position, skip: new Set([...this.gaps.keys(), ...late.map((l) => l.id)]), late };
  }

  /** Events with ids in (after, upto], in id order, up to `limit`. */
  async range(after: number, upto: number, limit: number): Promise<StreamEvent[]> {
    const rows = await this.sql<Row>(`${SELECT} where id > ? and id <= ? order by outbox_event.id limit ?`, [after, upto, limit]);
    return rows.map(toStreamEvent);
  }

  /** The events with these outbox ids (those still retained), in id order. */
  async byIds(ids: readonly number[]): Promise<StreamEvent[]> {
    if (ids.length === 0) return [];
    const rows = await this.sql<Row>(`${SELECT} where id = any(?::bigint[]) order by outbox_event.id`, [`{${ids.join(',')}}`]);
    return rows.map(toStreamEvent);
  }

  private forgetOld(): void {
    const now = this.now();
    for (const [id, since] of this.gaps) if (now - since > this.gapTtlMs) this.gaps.delete(id);
    if (this.late.length > 0 && now - this.late[0]!.at > this.lateTtlMs) this.late = this.late.filter((l) => now - l.at <= this.lateTtlMs);
    if (this.late.length > this.maxGaps) this.late = this.late.slice(-this.maxGaps);
  }

  private trimGaps(): void {
    if (this.gaps.size <= this.maxGaps) return;
    const lowest = [...this.gaps.keys()].sort((a, b) => a - b).slice(0, this.gaps.size - this.maxGaps);
    for (const id of lowest) this.gaps.delete(id);
  }
}

function toStreamEvent(row: Row): StreamEvent {
  const event = (typeof row.event === 'string' ? JSON.parse(row.event) : row.event) as CloudEvent;
  return { id: Number(row.id), event, frame: eventFrame(event) };
}
