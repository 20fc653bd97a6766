import { Migration } from '@mikro-orm/migrations';

/**
 * Finds an event by its id, for a client of the event stream that resumes after the last event
 * it got (`Last-Event-ID`). Event ids made from now on are time-ordered (UUID version 7), so new
 * entries go to the index's right edge, the cheap case of a btree; the random ids of events
 * stored before are indexed once, here, and leave with retention.
 */
export class M007EventIds extends Migration {
  override up(): void {
    this.addSql(`create index outbox_event_event_id_idx on outbox_event (event_id);`);
  }
}
