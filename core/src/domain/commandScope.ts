import type { EntityManager } from '@mikro-orm/postgresql';
import { cloudEvent, type EventType, type PendingEvent } from '../events/cloudEvent.js';
import type { ModelIndex } from '../config/modelIndex.js';
import type { ConfigSnapshots } from '../store/snapshots.js';
import { insertBatches, type ReturnedRows, type RowBatch, type SqlRunner } from '../store/batchInsert.js';
import { outboxBatch } from '../events/outbox.js';
import type { IdBlocks } from '../store/idBlocks.js';
import { creationBatches, type Creation } from '../store/placements.js';

/** Writes a command's rows (and events) in one statement; answers what its upserts returned. */
export type RowWriter = (batches: readonly RowBatch[]) => Promise<ReturnedRows>;

/**
 * One command's transaction: its EntityManager, the single `now` all its rows share, and the
 * events it emits (stored in the outbox before the transaction commits).
 */
export class CommandScope {
  readonly events: PendingEvent[] = [];
  /** Set when the command started promotion results the worker should evaluate. */
  promotionsDue = false;
  /** Deployments the command created, for the placement projection (see store/placements.ts). */
  readonly creations: Creation[] = [];
  /** What the command's writes returned so far. */
  readonly returned: Array<ReturnedRows[number]> = [];
  private forked: EntityManager | null = null;
  private time: Date;

  /** Where the command's own statements run: its transaction, or the fast pool without one. */
  readonly sql: SqlRunner;
  private readonly write: RowWriter;

  constructor(
    /** The command's EntityManager: its transaction's, or a fork made when first asked for. */
    private readonly entityManager: () => EntityManager,
    now: Date,
    private readonly snapshots: ConfigSnapshots,
    /** Ids for the rows the command creates. */
    readonly ids: IdBlocks,
    /** For a command without a transaction: where its statements run and how its rows are written. */
    outside?: { sql: SqlRunner; write: RowWriter },
  ) {
    this.time = now;
    this.sql = outside?.sql ?? ((statement, params) => this.em.execute(statement, params as never[]));
    this.write = outside?.write ?? ((batches) => insertBatches(this.sql, this.em.getMetadata(), batches));
  }

  /** The time of everything the command does. */
  get now(): Date {
    return this.time;
  }

  /**
   * Moves the command's time past `after` (the latest change already written where the command
   * changes things), so that its changes come after every earlier one even when clocks disagree.
   * Call before the command makes any row.
   */
  advancePast(after: Date | null): void {
    if (after && after.getTime() >= this.time.getTime()) this.time = new Date(after.getTime() + 1);
  }

  get em(): EntityManager {
    return (this.forked ??= this.entityManager());
  }

  private inserts: RowBatch[] = [];

  /** Queues rows (with their ids set) to be written with the command's next flush. */
  insertLater<T extends object>(batch: RowBatch<T>): void {
    this.inserts.push(batch as unknown as RowBatch);
  }

  /** Queues a new deployment for the placement projection: it is in flight from its creation. */
  created(creation: Creation): void {
    this.creations.push(creation);
    for (const batch of creationBatches([creation])) this.insertLater(batch);
  }

  /** Writes queued rows, and with `withEvents` the outbox, in one statement. */
  async flush(withEvents = false): Promise<void> {
    const batches = withEvents ? [...this.inserts, outboxBatch(this.events, this.now) as unknown as RowBatch] : this.inserts;
    this.inserts = [];
    this.returned.push(...(await this.write(batches)));
  }

  /** Emits an event of the command; `data` must be a view made for it (the command may change its rows afterwards, never the view). */
  emit(type: EventType, subject: string, data: unknown, orderKey: string): void {
    this.events.push(cloudEvent(type, subject, data, this.now, orderKey));
  }

  model(snapshotId: number): Promise<ModelIndex> {
    return this.snapshots.get(() => this.em, snapshotId);
  }
}
