import { Migration } from '@mikro-orm/migrations';
import { replayTimeline, type StatusTimes } from '../../domain/placementTimeline.js';

/**
 * The truth over time (CONTRACT §11):
 * - artifacts gain `revision` and `committed_at`;
 * - deployments gain `kind` (direct deployments have no flow, pipeline or stage), the time of
 *   each status, and when their reason was reported; promotion results when they settled;
 * - `placement` holds, per environment and service, what runs there now and what is in flight,
 *   and `placement_change` every change of either, so that "what ran there at T" and the
 *   history are a few index probes however long the ledger grows.
 *
 * Times of statuses reached before this migration come from the retained events when they are
 * still there, else from the time of the deployment's present status (an upper bound). The
 * projection is then rebuilt from those times (`replayTimeline`).
 */
export class M006Placements extends Migration {
  override async up(): Promise<void> {
    await this.execute(`
alter table artifact add column revision text, add column committed_at timestamptz(3);
alter table deployment
  alter column flow_id drop not null,
  alter column pipeline drop not null,
  alter column stage drop not null,
  add column kind text not null default 'flow',
  add column reason_at timestamptz(3),
  add column started_at timestamptz(3),
  add column completed_at timestamptz(3),
  add column verified_at timestamptz(3),
  add column failed_at timestamptz(3);
alter table promotion_result add column settled_at timestamptz(3);
update promotion_result set settled_at = updated_at where status in ('SUCCESS', 'FAILED');
`);
    await this.execute(`
with reached as (
  select substr(event->>'subject', 13)::int as id, type, min((event->>'time')::timestamptz) as at
    from outbox_event
   where type in ('deploydb.deployment.started', 'deploydb.deployment.completed', 'deploydb.deployment.verified', 'deploydb.deployment.failed')
     and event->>'subject' ~ '^deployments/[0-9]{1,9}$'
   group by 1, 2
)
update deployment d set
  reason_at = case when d.reason is not null then d.status_at end,
  started_at = case when d.history @> '["STARTED"]' then coalesce((select at from reached r where r.id = d.id and r.type = 'deploydb.deployment.started'), d.status_at) end,
  completed_at = case when d.history @> '["COMPLETED"]' then coalesce((select at from reached r where r.id = d.id and r.type = 'deploydb.deployment.completed'), d.status_at) end,
  verified_at = case when d.history @> '["VERIFIED"]' then d.status_at end,
  failed_at = case when d.history @> '["FAILED"]' then d.status_at end;
`);
    await this.execute(`
create index deployment_in_flight_idx on deployment (environment, service, created_at desc, id desc) where status in ('CREATED', 'STARTED');
create index deployment_live_idx on deployment (environment, service, completed_at desc, id desc) where status in ('COMPLETED', 'VERIFIED');
create index deployment_completed_idx on deployment (service, environment, completed_at) where completed_at is not null;
create table placement (
  environment text not null,
  service text not null,
  current_id integer,
  in_flight_id integer,
  -- when the in-flight deployment was created: a registration replaces it only with a newer one
  in_flight_created_at timestamptz(3),
  -- the last time a command worked out anew what is in flight (a deployment left flight)
  in_flight_recomputed_at timestamptz(3),
  -- the latest change written here: commands holding this row never write an earlier one
  changed_at timestamptz(3),
  primary key (environment, service)
);
create index placement_service_idx on placement (service);
-- The key is also the only index: "as of T" reads probe it backwards.
create table placement_change (
  id bigserial not null,
  environment text not null,
  service text not null,
  role text not null,
  at timestamptz(3) not null,
  deployment_id integer,
  primary key (environment, service, role, at, id)
);
`);
    await this.fillPlacements();
  }

  /** Rebuilds the projection of every environment and service from the deployments' times. */
  private async fillPlacements(): Promise<void> {
    const keys = (await this.execute('select distinct environment, service from deployment')) as Array<{ environment: string; service: string }>;
    for (const { environment, service } of keys) {
      const rows = (await this.execute(
        `select id, created_at, started_at, completed_at, verified_at, failed_at from deployment where environment = ? and service = ?`,
        [environment, service],
      )) as Array<Record<string, Date | string | number | null>>;
      const deployments = rows.map(statusTimesOf);
      const changes = replayTimeline(deployments);
      const last = (role: string) => changes.filter((c) => c.role === role).at(-1) ?? null;
      const inFlight = last('in_flight');
      const inFlightCreated = inFlight?.deploymentId ? deployments.find((d) => d.id === inFlight.deploymentId)!.createdAt : null;
      const changedAt = changes.length > 0 ? Math.max(...changes.map((c) => c.at)) : null;
      await this.execute(
        `insert into placement (environment, service, current_id, in_flight_id, in_flight_created_at, in_flight_recomputed_at, changed_at)
         values (?, ?, ?, ?, ?, ?, ?)`,
        [environment, service, last('current')?.deploymentId ?? null, inFlight?.deploymentId ?? null, iso(inFlightCreated), iso(changedAt), iso(changedAt)],
      );
      for (let i = 0; i < changes.length; i += 5000) {
        const slice = changes.slice(i, i + 5000).map((c) => ({ role: c.role, at: new Date(c.at).toISOString(), deployment_id: c.deploymentId }));
        await this.execute(
          `insert into placement_change (environment, service, role, at, deployment_id)
           select ?, ?, role, at, deployment_id from json_to_recordset(?::json) as x(role text, at timestamptz, deployment_id int)`,
          [environment, service, JSON.stringify(slice)],
        );
      }
    }
  }
}

const time = (value: Date | string | number | null | undefined): number | null => (value === null || value === undefined ? null : new Date(value).getTime());
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function statusTimesOf(row: Record<string, Date | string | number | null>): StatusTimes {
  return {
    id: Number(row.id),
    createdAt: time(row.created_at)!,
    startedAt: time(row.started_at),
    completedAt: time(row.completed_at),
    verifiedAt: time(row.verified_at),
    failedAt: time(row.failed_at),
  };
}
