import { OutboxEventEntity, type OutboxEventRow } from '../store/entities.js';
import type { RowBatch } from '../store/batchInsert.js';
import type { PendingEvent } from './cloudEvent.js';

/** The outbox rows for a command's events, in the order emitted, written with the command's other rows. */
export function outboxBatch(events: readonly PendingEvent[], now: Date): RowBatch<OutboxEventRow> {
  return {
    entity: OutboxEventEntity,
    rows: events.map(({ event, orderKey }) => ({
      eventId: event.id,
      type: event.type,
      orderKey,
      event: event as unknown as Record<string, unknown>,
      createdAt: now,
      publishedAt: null,
    })) as OutboxEventRow[],
  };
}
