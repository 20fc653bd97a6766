import { Migration } from '@mikro-orm/migrations';

/**
 * Outbound webhook deliveries: one row per event and URL. The unique key makes a redelivered
 * queue message a no-op; the partial indexes serve the sender's two questions (which rows are
 * due, and whether an earlier row of the same URL and deployment is still pending).
 */
export class M003Webhooks extends Migration {
  override up(): void {
    this.addSql(`
create table webhook_delivery (
  id serial primary key,
  event_id text not null,
  event_type text not null,
  url text not null,
  order_key text not null,
  status text not null check (status in ('pending', 'delivered', 'failed')),
  attempts integer not null default 0,
  max_attempts integer not null,
  last_status_code integer,
  last_error text,
  next_attempt_at timestamptz(3) not null default now(),
  locked_until timestamptz(3),
  event jsonb not null,
  created_at timestamptz(3) not null default now(),
  updated_at timestamptz(3) not null default now(),
  constraint webhook_delivery_event_url_unique unique (event_id, url)
);
create index webhook_delivery_due_idx on webhook_delivery (next_attempt_at, id) where status = 'pending';
create index webhook_delivery_sequence_idx on webhook_delivery (url, order_key, id) where status = 'pending';
create index webhook_delivery_status_idx on webhook_delivery (status, id);
`);
  }
}
