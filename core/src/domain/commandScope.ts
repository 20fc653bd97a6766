import { cloudEvent, type EventType, type PendingEvent } from '../events/cloudEvent.js';
import type { ModelIndex } from '../config/modelIndex.js';
import type { ReturnedRows, RowBatch } from '../store/batchInsert.js';
import { outboxBatch } from '../events/outbox/outbox.js';
import { creationBatches, type Creation } from '../store/placements.js';
import type { CommandStore, WriteStore } from './ports.js';

/**
 * What every command works with: the one `now` all its rows share, ids, the rows it queues and
 * the events it emits. All of it is written in one statement when the command ends (with the
 * events in the outbox). A command without a transaction (a registration) gets only this: it can
 * neither read what it would change nor write before its end, so it cannot half-commit.
 */
export class WriteScope {
  readonly events: PendingEvent[] = [];
  /** Deployments the command created, for the placement projection (see store/placements.ts). */
  readonly creations: Creation[] = [];
  /** What the command's writes returned so far. */
  readonly returned: Array<ReturnedRows[number]> = [];
  private inserts: RowBatch[] = [];
  private time: Date;

  constructor(
    protected readonly writes: WriteStore,
    now: Date,
  ) {
    this.time = now;
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

  /** Ids for rows of the named tables. */
  ids<K extends string>(counts: Record<K, number>): Promise<Record<K, number[]>> {
    return this.writes.ids(counts);
  }

  /** The configuration a flow started with. */
  model(snapshotId: number): Promise<ModelIndex> {
    return this.writes.model(snapshotId);
  }

  /** Queues rows (with their ids set) to be written with the command's next write. */
  insertLater(batch: RowBatch): void {
    this.inserts.push(batch);
  }

  /** Queues a new deployment for the placement projection: it is in flight from its creation. */
  created(creation: Creation): void {
    this.creations.push(creation);
    for (const batch of creationBatches([creation])) this.insertLater(batch);
  }

  /** Emits an event of the command; `data` must be a view made for it (the command may change its rows afterwards, never the view). */
  emit(type: EventType, subject: string, data: unknown, orderKey: string): void {
    this.events.push(cloudEvent(type, subject, data, this.now, orderKey));
  }

  /** Writes what is queued, with `withEvents` the outbox too, in one statement. */
  protected async writeQueued(withEvents: boolean): Promise<void> {
    const batches = withEvents ? [...this.inserts, outboxBatch(this.events, this.now)] : this.inserts;
    this.inserts = [];
    this.returned.push(...(await this.writes.write(batches)));
  }

  /** Ends the command: writes its queued rows and its events. The ledger calls this once. */
  finish(): Promise<void> {
    return this.writeQueued(true);
  }
}

/** A command in one transaction: it reads and changes the ledger through its store, inside that transaction. */
export class CommandScope extends WriteScope {
  /** Set when the command started promotion results the worker should evaluate. */
  promotionsDue = false;

  constructor(
    readonly store: CommandStore,
    now: Date,
  ) {
    super(store, now);
  }

  /** Writes the rows queued so far (not yet the events), so that the command can read them. */
  flush(): Promise<void> {
    return this.writeQueued(false);
  }
}
