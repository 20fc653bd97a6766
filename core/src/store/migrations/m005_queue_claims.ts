import { Migration } from '@mikro-orm/migrations';

/**
 * The embedded queue's groups read the message log by position instead of holding a delivery
 * row per message: `queue_group.position` is the last message a group has taken, and a
 * `queue_claim` is a range of messages (after_id, upto_id] a consumer holds (a batch in flight)
 * or that waits to be delivered again (`available_at`: one failed message, or a batch whose
 * consumer died). Deliveries pending at the upgrade become claims of one message each.
 */
export class M005QueueClaims extends Migration {
  override up(): void {
    this.addSql(`
alter table queue_group add column position bigint not null default 0;
update queue_group set position = coalesce((select max(id) from queue_message), 0);
create table queue_claim (
  id bigserial primary key,
  group_name text not null references queue_group (name) on delete cascade,
  after_id bigint not null,
  upto_id bigint not null,
  attempts integer not null,
  available_at timestamptz(3) not null,
  locked_until timestamptz(3)
);
create index queue_claim_group_idx on queue_claim (group_name, available_at);
insert into queue_claim (group_name, after_id, upto_id, attempts, available_at)
select group_name, message_id - 1, message_id, attempts, now() from queue_delivery;
drop table queue_delivery;
`);
  }
}
