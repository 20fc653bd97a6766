import type { EntityManager } from '@mikro-orm/postgresql';
import { OutboxEventEntity } from '../store/entities.js';
import type { PendingEvent } from './cloudEvent.js';

/** Stores events in the outbox, inside the caller's transaction, in the order given. */
export async function appendToOutbox(em: EntityManager, events: readonly PendingEvent[], now: Date): Promise<void> {
  if (events.length === 0) return;
  await em.insertMany(
    OutboxEventEntity,
    events.map(({ event, orderKey }) => ({
      eventId: event.id,
      type: event.type,
      orderKey,
      event: event as unknown as Record<string, unknown>,
      createdAt: now,
      publishedAt: null,
    })),
  );
}
