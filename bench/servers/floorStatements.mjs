// The floor's statements, one per route, each answering in one round trip the rows that the
// route's JSON is made of (servers/floorShapes.mjs shapes them). `pgbench` runs the same texts
// (bench/pgbench.mjs). Parameters: $1.. as each statement's comment says; `at` is an ISO-8601 time.

const ARTIFACT = `a.id as a_id, a.artifact_group as a_group, a.name as a_name, a.version as a_version, a.source_url as a_source_url,
  a.revision as a_revision, a.committed_at as a_committed_at, a.created_at as a_created_at`;

/** A deployment's columns; `asOf` gives those that were different then. */
const deployment = (d, asOf = null) => {
  const then = (field, now) => (asOf ? `case when ${asOf.unchanged} then ${now} else ${asOf[field]} end` : now);
  // A result is as it is now once settled by then; before, it was waiting (or not started).
  const result = (field, now) => (asOf ? `case when r.settled_at <= ${asOf.at} then ${now} else ${asOf.result[field]} end` : now);
  return `${d}.id, ${d}.flow_id, ${d}.service, ${d}.pipeline, ${d}.environment, ${d}.kind, ${d}.created_at,
    ${then('status', `${d}.status`)} as status, ${then('reason', `${d}.reason`)} as reason,
    ${then('since', `${d}.status_at`)} as status_at, ${then('since', `${d}.updated_at`)} as updated_at,
    (select json_agg(json_build_object('id', r.id, 'promotion', r.promotion, 'type', r.type, 'status', ${result('status', 'r.status')},
                       'info_url', r.info_url, 'reason', ${result('reason', 'r.reason')}, 'actor', ${result('actor', 'r.actor')}, 'evidence', r.evidence,
                       'created_at', r.created_at, 'updated_at', ${result('updatedAt', 'r.updated_at')}) order by r.position)
       from floor_promotion_result r where r.deployment_id = ${d}.id) as promotions`;
};

/** The status deployment `d` had at `at` and since when (its statuses are reached in this order). */
const statusThen = (d, at) => `
  (select case when ${d}.failed_at <= ${at} then 'FAILED' when ${d}.verified_at <= ${at} then 'VERIFIED'
               when ${d}.completed_at <= ${at} then 'COMPLETED' when ${d}.started_at <= ${at} then 'STARTED' else 'CREATED' end as status,
          case when ${d}.failed_at <= ${at} then ${d}.failed_at when ${d}.verified_at <= ${at} then ${d}.verified_at
               when ${d}.completed_at <= ${at} then ${d}.completed_at when ${d}.started_at <= ${at} then ${d}.started_at else ${d}.created_at end as since)`;

/** How deployment `d` (with its status then in `st`) looked at `at`: what changed since is as it was. */
const asOf = (d, st, at) => ({
  at,
  unchanged: `(${st}.status = ${d}.status and ${d}.updated_at <= ${at})`,
  status: `${st}.status`,
  since: `${st}.since`,
  // The reason reported with the latest status reached by then that had one.
  reason: `coalesce(${['failed', 'verified', 'completed', 'started'].map((s) => `case when ${d}.${s}_at <= ${at} then ${d}.reasons->>'${s.toUpperCase()}' end`).join(', ')}, ${d}.reasons->>'CREATED')`,
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

/** The floor's session settings (PostgreSQL's `options`), for its pool and for pgbench alike. */
export const FLOOR_SESSION = '-c TimeZone=UTC -c plan_cache_mode=force_generic_plan';

export const FLOOR_STATEMENTS = {
  /** $1 group, $2 name, $3 version, $4 source URL, $5 revision, $6 committed at. */
  register: `insert into floor_artifact (artifact_group, name, version, source_url, revision, committed_at)
             values ($1, $2, $3, $4, $5, $6::timestamptz) returning id, created_at`,

  /** $1 environment, $2 services in configuration order: one row per service with a current deployment. */
  currentInEnvironment: `
    select s.service, d.id, d.status, d.status_at as since, ${ARTIFACT}
      from unnest($2::text[]) with ordinality as s(service, n)
     cross join lateral ${newest('$1', 's.service', LIVE)} d
      join floor_artifact a on a.id = d.artifact_id
     order by s.n`,

  /** $1 environment, $2 services in configuration order, $3 at. */
  currentInEnvironmentAt: `
    select s.service, d.id, st.status, st.since, ${ARTIFACT}
      from unnest($2::text[]) with ordinality as s(service, n)
     cross join lateral ${heldAt('$1', 's.service', 'current', '$3::timestamptz')} d
     cross join lateral ${statusThen('d', '$3::timestamptz')} st
      join floor_artifact a on a.id = d.artifact_id
     order by s.n`,

  /** $1 service, $2 its environments in pipeline order: a row per current or in-flight deployment. */
  serviceAcrossEnvironments: `
    select e.environment as place, x.role, ${deployment('x')}, ${ARTIFACT}
      from unnest($2::text[]) with ordinality as e(environment, n)
     cross join lateral (select 'current' as role, * from ${newest('e.environment', '$1', LIVE)} c
                         union all
                         select 'in_flight', * from ${newest('e.environment', '$1', FLYING)} f) x
      join floor_artifact a on a.id = x.artifact_id`,

  /** $1 service, $2 its environments in pipeline order, $3 at. */
  serviceAcrossEnvironmentsAt: `
    select e.environment as place, x.role, ${deployment('x', asOf('x', 'st', '$3::timestamptz'))}, ${ARTIFACT}
      from unnest($2::text[]) with ordinality as e(environment, n)
     cross join lateral (select 'current' as role, * from ${heldAt('e.environment', '$1', 'current', '$3::timestamptz')} c
                         union all
                         select 'in_flight', * from ${heldAt('e.environment', '$1', 'in_flight', '$3::timestamptz')} f) x
     cross join lateral ${statusThen('x', '$3::timestamptz')} st
      join floor_artifact a on a.id = x.artifact_id`,

  /** $1 service, $2 environment, $3 page size: the first page and one more row (there is a next page), newest first. */
  history: `
    select d.id, d.kind, d.status, h.from_at, h.to_at, ${ARTIFACT}
      from (select from_at, to_at, deployment_id from floor_span
             where environment = $2 and service = $1 and role = 'current'
             order by from_at desc limit $3 + 1) h
      join floor_deployment d on d.id = h.deployment_id
      join floor_artifact a on a.id = d.artifact_id
     order by h.from_at desc`,

  /** $1 environment a, $2 environment b, $3 services whose pipelines include either, in configuration order. */
  diff: `
    select s.service, x.side, x.id, ${ARTIFACT}
      from unnest($3::text[]) with ordinality as s(service, n)
     cross join lateral (select 'a' as side, id, artifact_id from ${newest('$1', 's.service', LIVE)} l
                         union all
                         select 'b', id, artifact_id from ${newest('$2', 's.service', LIVE)} r) x
      join floor_artifact a on a.id = x.artifact_id
     order by s.n`,

  /** $1 environment a, $2 environment b, $3 services as for `diff`, $4 at. */
  diffAt: `
    select s.service, x.side, x.id, ${ARTIFACT}
      from unnest($3::text[]) with ordinality as s(service, n)
     cross join lateral (select 'a' as side, id, artifact_id from ${heldAt('$1', 's.service', 'current', '$4::timestamptz')} l
                         union all
                         select 'b', id, artifact_id from ${heldAt('$2', 's.service', 'current', '$4::timestamptz')} r) x
      join floor_artifact a on a.id = x.artifact_id
     order by s.n`,
};
