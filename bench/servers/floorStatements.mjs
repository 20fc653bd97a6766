// The floor's statements, one per route: each answers the route's whole JSON body, built by
// PostgreSQL, so the server only passes text on. `pgbench` runs the same texts (bench/pgbench.mjs).
// Parameters: $1.. as each statement's comment says; `at` is an ISO-8601 time.
import { isoUtc } from '../sqlTime.mjs';


const artifact = (a) =>
  `json_build_object('id', ${a}.id, 'group', ${a}.artifact_group, 'name', ${a}.name, 'version', ${a}.version, 'sourceUrl', ${a}.source_url,
     'revision', ${a}.revision, 'committedAt', ${isoUtc(`${a}.committed_at`)}, 'createdAt', ${isoUtc(`${a}.created_at`)})`;

const artifactOf = (d) => `(select ${artifact('a')} from floor_artifact a where a.id = ${d}.artifact_id)`;

/** A promotion result; `asOf` replaces the fields that were different then. */
const result = (r, asOf = {}) =>
  `json_build_object('id', ${r}.id, 'promotion', ${r}.promotion, 'type', ${r}.type, 'status', ${asOf.status ?? `${r}.status`}, 'infoUrl', ${r}.info_url,
     'reason', ${asOf.reason ?? `${r}.reason`}, 'actor', ${asOf.actor ?? `${r}.actor`}, 'evidence', ${r}.evidence,
     'createdAt', ${isoUtc(`${r}.created_at`)}, 'updatedAt', ${isoUtc(asOf.updatedAt ?? `${r}.updated_at`)})`;

/** A Deployment (CONTRACT §4) from row `d`, or null when there is none; `asOf` as for results. */
const deployment = (d, asOf = null) => {
  const then = (field, now) => (asOf ? `case when ${asOf.unchanged} then ${now} else ${asOf[field]} end` : now);
  const results = asOf
    ? `case when ${asOf.unchanged} or r.settled_at <= ${asOf.at} then ${result('r')} else ${result('r', asOf.result)} end`
    : result('r');
  return `case when ${d}.id is null then null else json_build_object('id', ${d}.id, 'flowId', ${d}.flow_id, 'artifact', ${artifactOf(d)},
     'service', ${d}.service, 'pipeline', ${d}.pipeline, 'environment', ${d}.environment, 'status', ${then('status', `${d}.status`)}, 'kind', ${d}.kind,
     'reason', ${then('reason', `${d}.reason`)},
     'promotions', (select coalesce(json_agg(${results} order by r.position), '[]') from floor_promotion_result r where r.deployment_id = ${d}.id),
     'statusAt', ${isoUtc(then('since', `${d}.status_at`))}, 'createdAt', ${isoUtc(`${d}.created_at`)}, 'updatedAt', ${isoUtc(then('since', `${d}.updated_at`))}) end`;
};

/** The status deployment `d` had at `at` and since when (its statuses are reached in this order). */
const statusThen = (d, at) => `
  (select case when ${d}.failed_at <= ${at} then 'FAILED' when ${d}.verified_at <= ${at} then 'VERIFIED'
               when ${d}.completed_at <= ${at} then 'COMPLETED' when ${d}.started_at <= ${at} then 'STARTED' else 'CREATED' end as status,
          case when ${d}.failed_at <= ${at} then ${d}.failed_at when ${d}.verified_at <= ${at} then ${d}.verified_at
               when ${d}.completed_at <= ${at} then ${d}.completed_at when ${d}.started_at <= ${at} then ${d}.started_at else ${d}.created_at end as since)`;

/** How deployment `d` (with its status then in `st`) looked at `at`, for `deployment()`. */
const asOf = (d, st, at) => ({
  at,
  unchanged: `(${st}.status = ${d}.status and ${d}.updated_at <= ${at})`,
  status: `${st}.status`,
  since: `${st}.since`,
  reason: `case when ${d}.reason_at <= ${at} then ${d}.reason end`,
  result: {
    status: `case when ${d}.completed_at <= ${at} then 'STARTED' else 'NOT_STARTED' end`,
    reason: 'null::text',
    actor: 'null::text',
    updatedAt: `coalesce(case when ${d}.completed_at <= ${at} then ${d}.completed_at end, r.created_at)`,
  },
});

/** The newest deployment there with one of `statuses`: one probe of a partial index. */
const newest = (environment, service, statuses) =>
  `(select * from floor_deployment where environment = ${environment} and service = ${service}
      and status in (${statuses.map((s) => `'${s}'`).join(', ')}) order by id desc limit 1)`;
const LIVE = ['COMPLETED', 'VERIFIED'];
const FLYING = ['CREATED', 'STARTED'];

/** The deployment holding `role` there at `at`: the stretch that began last by then, if it had not ended. */
const heldAt = (environment, service, role, at) =>
  `(select d.* from (select deployment_id, to_at from floor_span
                      where environment = ${environment} and service = ${service} and role = '${role}' and from_at <= ${at}
                      order by from_at desc limit 1) h
      join floor_deployment d on d.id = h.deployment_id
     where h.to_at is null or h.to_at > ${at})`;

export const FLOOR_STATEMENTS = {
  /** $1 group, $2 name, $3 version, $4 source URL, $5 revision, $6 committed at. */
  register: `insert into floor_artifact (artifact_group, name, version, source_url, revision, committed_at)
             values ($1, $2, $3, $4, $5, $6::timestamptz) returning id, created_at`,

  /** $1 environment, $2 services in configuration order. */
  currentInEnvironment: `
    select coalesce(json_agg(json_build_object('service', s.service, 'artifact', ${artifact('a')}, 'deploymentId', d.id,
                      'status', d.status, 'since', ${isoUtc('d.status_at')}) order by s.n), '[]')::text as body
      from unnest($2::text[]) with ordinality as s(service, n)
     cross join lateral ${newest('$1', 's.service', LIVE)} d
      join floor_artifact a on a.id = d.artifact_id`,

  /** $1 environment, $2 services in configuration order, $3 at. */
  currentInEnvironmentAt: `
    select coalesce(json_agg(json_build_object('service', s.service, 'artifact', ${artifact('a')}, 'deploymentId', d.id,
                      'status', st.status, 'since', ${isoUtc('st.since')}) order by s.n), '[]')::text as body
      from unnest($2::text[]) with ordinality as s(service, n)
     cross join lateral ${heldAt('$1', 's.service', 'current', '$3::timestamptz')} d
     cross join lateral ${statusThen('d', '$3::timestamptz')} st
      join floor_artifact a on a.id = d.artifact_id`,

  /** $1 service, $2 its environments in pipeline order. */
  serviceAcrossEnvironments: `
    select json_agg(json_build_object('environment', e.environment, 'current', ${deployment('c')}, 'inFlight', ${deployment('f')}) order by e.n)::text as body
      from unnest($2::text[]) with ordinality as e(environment, n)
      left join lateral ${newest('e.environment', '$1', LIVE)} c on true
      left join lateral ${newest('e.environment', '$1', FLYING)} f on true`,

  /** $1 service, $2 its environments in pipeline order, $3 at. */
  serviceAcrossEnvironmentsAt: `
    select json_agg(json_build_object('environment', e.environment, 'current', ${deployment('c', asOf('c', 'cs', '$3::timestamptz'))},
                      'inFlight', ${deployment('f', asOf('f', 'fs', '$3::timestamptz'))}) order by e.n)::text as body
      from unnest($2::text[]) with ordinality as e(environment, n)
      left join lateral ${heldAt('e.environment', '$1', 'current', '$3::timestamptz')} c on true
      left join lateral ${statusThen('c', '$3::timestamptz')} cs on true
      left join lateral ${heldAt('e.environment', '$1', 'in_flight', '$3::timestamptz')} f on true
      left join lateral ${statusThen('f', '$3::timestamptz')} fs on true`,

  /** $1 service, $2 environment, $3 page size: the first page, newest first. */
  history: `
    select json_build_object(
             'items', coalesce(json_agg(json_build_object('deploymentId', d.id, 'artifact', ${artifactOf('d')}, 'kind', d.kind, 'status', d.status,
                        'from', ${isoUtc('h.from_at')}, 'to', ${isoUtc('h.to_at')}) order by h.from_at desc) filter (where h.n <= $3), '[]'),
             'nextCursor', case when count(*) > $3 then encode(convert_to('f' || max(h.from_at) filter (where h.n = $3), 'UTF8'), 'base64') end)::text as body
      from (select from_at, to_at, deployment_id, row_number() over (order by from_at desc) as n
              from floor_span where environment = $2 and service = $1 and role = 'current'
             order by from_at desc limit $3 + 1) h
      join floor_deployment d on d.id = h.deployment_id`,

  /** $1 environment a, $2 environment b, $3 services whose pipelines include either, in configuration order. */
  diff: `
    select coalesce(json_agg(json_build_object('service', s.service,
                      'a', case when x.id is null then null else json_build_object('deploymentId', x.id, 'artifact', ${artifactOf('x')}) end,
                      'b', case when y.id is null then null else json_build_object('deploymentId', y.id, 'artifact', ${artifactOf('y')}) end,
                      'same', coalesce(x.artifact_id = y.artifact_id, false)) order by s.n), '[]')::text as body
      from unnest($3::text[]) with ordinality as s(service, n)
      left join lateral ${newest('$1', 's.service', LIVE)} x on true
      left join lateral ${newest('$2', 's.service', LIVE)} y on true`,

  /** $1 environment a, $2 environment b, $3 services as for `diff`, $4 at. */
  diffAt: `
    select coalesce(json_agg(json_build_object('service', s.service,
                      'a', case when x.id is null then null else json_build_object('deploymentId', x.id, 'artifact', ${artifactOf('x')}) end,
                      'b', case when y.id is null then null else json_build_object('deploymentId', y.id, 'artifact', ${artifactOf('y')}) end,
                      'same', coalesce(x.artifact_id = y.artifact_id, false)) order by s.n), '[]')::text as body
      from unnest($3::text[]) with ordinality as s(service, n)
      left join lateral ${heldAt('$1', 's.service', 'current', '$4::timestamptz')} x on true
      left join lateral ${heldAt('$2', 's.service', 'current', '$4::timestamptz')} y on true`,
};
