import { Migration } from '@mikro-orm/migrations';

/**
 * The sender's question "which deliveries are due" is answered from `webhook_due`, one row per
 * pending delivery with its next attempt, instead of a partial index over `webhook_delivery`.
 * A delivery that stopped being pending left its entry in that index until a vacuum, and every
 * claim (several a second, idle or not) went through all of them and their rows: it slowed down
 * with every delivery made. `webhook_due` holds only what is pending; the delivery store keeps it
 * in the statement of each change, and the sender vacuums it now and then (see m010 for why its
 * empty pages stay).
 */
export class M011WebhookDue extends Migration {
  override up(): void {
    this.addSql(`
create table webhook_due (
  id integer primary key references webhook_delivery (id) on delete cascade,
  next_attempt_at timestamptz(3) not null
) with (vacuum_truncate = false);
create index webhook_due_next_idx on webhook_due (next_attempt_at, id);
insert into webhook_due (id, next_attempt_at) select id, next_attempt_at from webhook_delivery where status = 'pending';
drop index webhook_delivery_due_idx;
`);
  }
}
