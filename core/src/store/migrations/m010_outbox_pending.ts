import { Migration } from '@mikro-orm/migrations';

/**
 * The outbox's unpublished events are listed in a table of their own, `outbox_pending`, instead
 * of marked by a null `published_at`: publishing an event deletes its id there, and never
 * rewrites the event. Marking rows published left an entry in the pending index for every event
 * ever published until a vacuum removed it, and each look for pending events (several a second)
 * went through all of them: it slowed down with every event stored. `outbox_pending` holds only
 * what waits; the relay vacuums it now and then, so its dead entries stay few whatever runs the
 * database's own vacuum. A vacuum leaves its empty pages in place (`vacuum_truncate`): giving them
 * back would lock the table against the inserts of every command for a moment, and the next
 * events fill them again anyway.
 *
 * A statement-level trigger lists every event inserted, whoever inserts it: no writer of the
 * outbox can forget to.
 */
export class M010OutboxPending extends Migration {
  override up(): void {
    this.addSql(`
create table outbox_pending (id bigint primary key) with (vacuum_truncate = false);
insert into outbox_pending (id) select id from outbox_event where published_at is null;
drop index outbox_event_pending_idx;
alter table outbox_event drop column published_at;
create function outbox_event_pending() returns trigger language plpgsql as $$
begin
  insert into outbox_pending (id) select id from inserted;
  return null;
end $$;
create trigger outbox_event_pending after insert on outbox_event
  referencing new table as inserted for each statement execute function outbox_event_pending();
`);
  }
}
