import { Migration } from '@mikro-orm/migrations';

/** The embedded queue: messages, consumer groups, a delivery per group and message. */
export class M002Queue extends Migration {
  override up(): void {
    this.addSql(`
create table queue_message (
  id bigserial primary key,
  message_id text not null unique,
  type text not null,
  order_key text,
  event json not null,
  created_at timestamptz(3) not null default now()
);
create index queue_message_created_idx on queue_message (created_at);
create table queue_group (
  name text primary key,
  pattern text not null,
  pattern_regex text not null,
  created_at timestamptz(3) not null default now()
);
create table queue_delivery (
  group_name text not null references queue_group (name) on delete cascade,
  message_id bigint not null references queue_message (id) on delete cascade,
  attempts integer not null default 0,
  available_at timestamptz(3) not null,
  locked_until timestamptz(3),
  primary key (group_name, message_id)
);
create index queue_delivery_due_idx on queue_delivery (group_name, available_at, message_id);
create index queue_delivery_message_idx on queue_delivery (message_id);

`);
  }
}
