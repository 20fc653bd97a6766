// The floor's own tables: the least a server answering the same routes needs to keep, each
// with the index its read wants.
// - floor_artifact: registrations (one row each; its id doubles as the flow's and the first deployment's).
// - floor_deployment: with two partial indexes, live (COMPLETED/VERIFIED) and in flight
//   (CREATED/STARTED), both by (environment, service, id desc): "current" and "in flight" now
//   are one probe each. Its id is found through a hash index: a btree there would offer the
//   planner "newest first" by scanning the whole table backwards, which it takes for cheaper
//   than the partial indexes (it assumes each lane's rows spread evenly over the ids).
// - floor_promotion_result: by (deployment_id, position).
// - floor_span: each stretch during which a deployment was current (or in flight) in an
//   environment, from and to: history is one range read, "as of T" one probe per role.
export const FLOOR_SCHEMA = `
create table if not exists floor_artifact (
  id serial primary key,
  artifact_group text not null,
  name text not null,
  version text not null,
  source_url text not null,
  revision text,
  committed_at timestamptz(3),
  created_at timestamptz(3) not null default now(),
  unique (artifact_group, name, version)
);
create table if not exists floor_deployment (
  id integer not null,
  flow_id integer,
  artifact_id integer not null,
  service text not null,
  pipeline text,
  environment text not null,
  kind text not null,
  status text not null,
  reason text,
  reasons jsonb,
  status_at timestamptz(3) not null,
  started_at timestamptz(3),
  completed_at timestamptz(3),
  verified_at timestamptz(3),
  failed_at timestamptz(3),
  created_at timestamptz(3) not null,
  updated_at timestamptz(3) not null
);
create index if not exists floor_deployment_id on floor_deployment using hash (id);
create index if not exists floor_deployment_live on floor_deployment (environment, service, id desc) where status in ('COMPLETED', 'VERIFIED');
create index if not exists floor_deployment_flight on floor_deployment (environment, service, id desc) where status in ('CREATED', 'STARTED');
create table if not exists floor_promotion_result (
  id integer primary key,
  deployment_id integer not null,
  position integer not null,
  promotion text not null,
  type text not null,
  status text not null,
  info_url text,
  reason text,
  actor text,
  evidence jsonb,
  settled_at timestamptz(3),
  created_at timestamptz(3) not null,
  updated_at timestamptz(3) not null
);
create index if not exists floor_promotion_result_deployment on floor_promotion_result (deployment_id, position);
create table if not exists floor_span (
  environment text not null,
  service text not null,
  role text not null,
  from_at timestamptz(3) not null,
  to_at timestamptz(3),
  deployment_id integer not null,
  primary key (environment, service, role, from_at)
);
`;
