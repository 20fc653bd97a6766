import { Migration } from '@mikro-orm/migrations';

/** Artifacts, flows, deployments, promotion results and reports, config snapshots, the event outbox. */
export class M001Ledger extends Migration {
  override up(): void {
    this.addSql(`
create table config_snapshot (
  id serial primary key,
  hash text not null unique,
  model jsonb not null,
  created_at timestamptz(3) not null default now()
);
create table artifact (
  id serial primary key,
  artifact_group text not null,
  name text not null,
  version text not null,
  source_url text not null,
  created_at timestamptz(3) not null default now()
);
-- Indexed by digest: group, name and version may be up to 8 KiB each, more than a btree entry holds.
-- Lookups compare the digests (to use these indexes) and then the values.
-- The unique index also serves lookups by module (its first two columns).
create unique index artifact_gav_unique on artifact (md5(artifact_group), md5(name), md5(version));
create table flow (
  id serial primary key,
  artifact_id integer not null references artifact (id),
  service text not null,
  pipeline text not null,
  status text not null,
  -- no foreign key: snapshots are immutable and never deleted, and a key check would lock the
  -- one row every registration shares
  snapshot_id integer not null,
  created_at timestamptz(3) not null,
  updated_at timestamptz(3) not null
);
create index flow_artifact_idx on flow (artifact_id);
create table deployment (
  id serial primary key,
  flow_id integer not null references flow (id),
  artifact_id integer not null references artifact (id),
  service text not null,
  pipeline text not null,
  environment text not null,
  stage integer not null,
  snapshot_id integer not null,
  status text not null,
  history jsonb not null,
  reason text,
  status_at timestamptz(3) not null,
  created_at timestamptz(3) not null,
  updated_at timestamptz(3) not null,
  constraint deployment_stage_unique unique (flow_id, stage)
);
create index deployment_artifact_idx on deployment (artifact_id);
create index deployment_env_idx on deployment (environment, service, id);
create index deployment_status_idx on deployment (status, id);
create table promotion_result (
  id serial primary key,
  deployment_id integer not null references deployment (id),
  position integer not null,
  promotion text not null,
  type text not null,
  status text not null,
  info_url text,
  reason text,
  actor text,
  evidence jsonb,
  state jsonb,
  attempts integer not null default 0,
  errors integer not null default 0,
  next_check_at timestamptz(3),
  lease_until timestamptz(3),
  created_at timestamptz(3) not null,
  updated_at timestamptz(3) not null
);
create index promotion_result_deployment_idx on promotion_result (deployment_id, position);
create index promotion_result_due_idx on promotion_result (next_check_at) where status = 'STARTED' and next_check_at is not null;
create table promotion_report (
  id serial primary key,
  result_id integer not null references promotion_result (id),
  status text not null,
  info_url text,
  reason text,
  actor text,
  created_at timestamptz(3) not null
);
create index promotion_report_result_idx on promotion_report (result_id, id);
-- \`event\` is json, not jsonb: it is written and read whole, never queried into, and json costs
-- less to write. Event ids are random UUIDs made by DeployDB, so no index guards them.
create table outbox_event (
  id bigserial primary key,
  event_id uuid not null,
  type text not null,
  order_key text not null,
  event json not null,
  created_at timestamptz(3) not null,
  published_at timestamptz(3)
);
create index outbox_event_pending_idx on outbox_event (id) where published_at is null;
`);
  }
}
