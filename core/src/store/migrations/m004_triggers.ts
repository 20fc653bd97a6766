import { Migration } from '@mikro-orm/migrations';

/**
 * Receipts of inbound triggers, for idempotency by source and id. `status` and `result` are
 * null while the event is being applied; `claim_token` names the delivery applying it and
 * `claimed_until` says how long its claim holds.
 */
export class M004Triggers extends Migration {
  override up(): void {
    this.addSql(`
create table trigger_receipt (
  source text not null,
  event_id text not null,
  type text not null,
  status integer,
  result jsonb,
  claim_token uuid,
  claimed_until timestamptz(3),
  created_at timestamptz(3) not null default now(),
  primary key (source, event_id),
  constraint trigger_receipt_settled check ((status is null) = (result is null))
);
`);
  }
}
