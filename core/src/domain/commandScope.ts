import type { EntityManager } from '@mikro-orm/postgresql';
import { cloudEvent, type EventType, type PendingEvent } from '../events/cloudEvent.js';
import type { ModelIndex } from '../config/modelIndex.js';
import type { ConfigSnapshots } from '../store/snapshots.js';
import { insertBatches, type RowBatch, type SqlRunner } from '../store/batchInsert.js';
import { outboxBatch } from '../events/outbox.js';
import type { IdBlocks } from '../store/idBlocks.js';

/** Writes a command's rows (and events) in one statement. */
export type RowWriter = (batches: readonly RowBatch[]) => Promise<void>;

/**
 * One command's transaction: its EntityManager, the single `now` all its rows share, and the
 * events it emits (stored in the outbox before the transaction commits).
 */
export class CommandScope {
  readonly events: PendingEvent[] = [];
  /** Set when the command started promotion results the worker should evaluate. */
  promotionsDue = false;
  private forked: EntityManager | null = null;

  /** Where the command's own statements run: its transaction, or the fast pool without one. */
  readonly sql: SqlRunner;
  private readonly write: RowWriter;

  constructor(
    /** The command's EntityManager: its transaction's, or a fork made when first asked for. */
    private readonly entityManager: () => EntityManager,
    readonly now: Date,
    private readonly snapshots: ConfigSnapshots,
    /** Ids for the rows the command creates. */
    readonly ids: IdBlocks,
    /** For a command without a transaction: where its statements run and how its rows are written. */
    outside?: { sql: SqlRunner; write: RowWriter },
  ) {
    this.sql = outside?.sql ?? ((statement, params) => this.em.execute(statement, params as never[]));
    this.write = outside?.write ?? ((batches) => insertBatches(this.sql, this.em.getMetadata(), batches));
  }

  get em(): EntityManager {
    return (this.forked ??= this.entityManager());
  }

  private inserts: RowBatch[] = [];

  /** Queues rows (with their ids set) to be written with the command's next flush. */
  insertLater<T extends object>(batch: RowBatch<T>): void {
    this.inserts.push(batch as unknown as RowBatch);
  }

  /** Writes queued rows, and with `withEvents` the outbox, in one statement. */
  async flush(withEvents = false): Promise<void> {
    const batches = withEvents ? [...this.inserts, outboxBatch(this.events, this.now) as unknown as RowBatch] : this.inserts;
    this.inserts = [];
    await this.write(batches);
  }

  emit(type: EventType, subject: string, data: unknown, orderKey: string): void {
    this.events.push(cloudEvent(type, subject, data, this.now, orderKey));
  }

  model(snapshotId: number): Promise<ModelIndex> {
    return this.snapshots.get(this.em, snapshotId);
  }
}
