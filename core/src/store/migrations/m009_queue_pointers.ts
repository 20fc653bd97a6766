import { Migration } from '@mikro-orm/migrations';

/**
 * Events go to the embedded queue's log as pointers to their outbox row instead of copies: each
 * event's JSON is written once. Messages published directly (not from the outbox) still carry
 * their event; only those have a message id to deduplicate by. The log is pruned by age through a
 * block-range index, which costs next to nothing to keep.
 */
export class M009QueuePointers extends Migration {
  override up(): void {
    this.addSql(`
alter table queue_message alter column message_id drop not null, alter column event drop not null, add column outbox_id bigint;
alter table queue_message drop constraint queue_message_message_id_key;
create unique index queue_message_message_id_unique on queue_message (message_id) where message_id is not null;
drop index queue_message_created_idx;
create index queue_message_created_brin on queue_message using brin (created_at);
`);
  }
}
