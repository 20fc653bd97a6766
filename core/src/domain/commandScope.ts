import type { EntityManager } from '@mikro-orm/postgresql';
import { cloudEvent, type EventType, type PendingEvent } from '../events/cloudEvent.js';
import type { ModelIndex } from '../config/modelIndex.js';
import type { ConfigSnapshots } from '../store/snapshots.js';

/**
 * One command's transaction: its EntityManager, the single `now` all its rows share, and the
 * events it emits (stored in the outbox before the transaction commits).
 */
export class CommandScope {
  readonly events: PendingEvent[] = [];
  /** Set when the command started promotion results the worker should evaluate. */
  promotionsDue = false;

  constructor(
    readonly em: EntityManager,
    readonly now: Date,
    private readonly snapshots: ConfigSnapshots,
  ) {}

  emit(type: EventType, subject: string, data: unknown, orderKey: string): void {
    this.events.push(cloudEvent(type, subject, data, this.now, orderKey));
  }

  model(snapshotId: number): Promise<ModelIndex> {
    return this.snapshots.get(this.em, snapshotId);
  }
}
