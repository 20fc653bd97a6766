import { Migration } from '@mikro-orm/migrations';

/**
 * `installation`: the one row naming this installation (its id is made at first start), so that
 * installations sharing a bus tell their streams and consumer groups apart.
 *
 * `audit_entry`: every write and every refusal for want of a token or role, never pruned. Read
 * newest first (`at`, then `id`), optionally of one actor or one action, within a time range:
 * each of those reads walks one index backwards and stops after a page, however long the trail.
 */
export class M008InstallationAudit extends Migration {
  override up(): void {
    this.addSql(`
create table installation (
  id uuid primary key,
  created_at timestamptz(3) not null default now(),
  singleton boolean not null default true unique check (singleton)
);
create table audit_entry (
  id bigserial primary key,
  at timestamptz(3) not null,
  actor text not null,
  action text not null,
  target text not null,
  outcome integer not null,
  detail jsonb not null
);
create index audit_entry_at_idx on audit_entry (at, id);
create index audit_entry_actor_idx on audit_entry (actor, at, id);
create index audit_entry_action_idx on audit_entry (action, at, id);
`);
  }
}
