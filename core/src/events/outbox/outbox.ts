import type { OutboxEventRow } from '../../store/entities.js';
import { rowsFor, type RowBatch } from '../../store/batchInsert.js';
import type { PendingEvent } from '../cloudEvent.js';

/**
 * The outbox rows for a command's events, in the order emitted, written with the command's other
 * rows; the database lists them as pending (migration m010).
 */
export function outboxBatch(events: readonly PendingEvent[], now: Date): RowBatch<'outbox_event'> {
  return rowsFor(
    'outbox_event',
    events.map(({ event, orderKey }) => ({
      eventId: event.id,
      type: event.type,
      orderKey,
      event: event as unknown as Record<string, unknown>,
      createdAt: now,
    })) as OutboxEventRow[],
  );
}
