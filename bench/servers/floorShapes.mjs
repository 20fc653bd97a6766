// The floor's rows (servers/floorStatements.mjs) as the contract's JSON shapes (CONTRACT §4, §11).

/**
 * A timestamp in ISO-8601 UTC with milliseconds, from PostgreSQL's text of it in a UTC session
 * (`2024-08-22 22:49:43.1+00`, or inside json `2024-08-22T22:49:43.1+00:00`); null stays null.
 * Rewriting the text costs far less than a Date parsed and formatted again.
 */
export function isoOf(text) {
  if (text === null || text === undefined) return null;
  let end = 20;
  if (text[19] === '.') while (text.charCodeAt(end) >= 48 && text.charCodeAt(end) <= 57) end++;
  const fraction = text[19] === '.' ? text.slice(20, end) : '';
  return `${text.slice(0, 10)}T${text.slice(11, 19)}.${(fraction + '000').slice(0, 3)}Z`;
}
const iso = isoOf;

const artifactOf = (r) => ({
  id: r.a_id,
  group: r.a_group,
  name: r.a_name,
  version: r.a_version,
  sourceUrl: r.a_source_url,
  revision: r.a_revision,
  committedAt: iso(r.a_committed_at),
  createdAt: iso(r.a_created_at),
});

const resultOf = (p) => ({
  id: p.id,
  promotion: p.promotion,
  type: p.type,
  status: p.status,
  infoUrl: p.info_url,
  reason: p.reason,
  actor: p.actor,
  // The history's promotions are manual: they wait for a report, never for another evaluation.
  nextEvaluationAt: null,
  evidence: p.evidence,
  createdAt: iso(p.created_at),
  updatedAt: iso(p.updated_at),
});

const deploymentOf = (r) => ({
  id: r.id,
  flowId: r.flow_id,
  artifact: artifactOf(r),
  service: r.service,
  pipeline: r.pipeline,
  environment: r.environment,
  status: r.status,
  kind: r.kind,
  reason: r.reason,
  promotions: (r.promotions ?? []).map(resultOf),
  statusAt: iso(r.status_at),
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

/** GET /api/environments/{name}/services */
export const currentInEnvironment = (rows) =>
  rows.map((r) => ({ service: r.service, artifact: artifactOf(r), deploymentId: r.id, status: r.status, since: iso(r.since) }));

/** GET /api/services/{name}/environments: one item per environment, in pipeline order. */
export function serviceAcrossEnvironments(rows, environments) {
  const held = (environment, role) => {
    const row = rows.find((r) => r.place === environment && r.role === role);
    return row ? deploymentOf(row) : null;
  };
  return environments.map((environment) => ({ environment, current: held(environment, 'current'), inFlight: held(environment, 'in_flight') }));
}

/** GET /api/services/{name}/environments/{env}/history: a page from `limit + 1` rows. */
export function history(rows, limit) {
  const items = rows.slice(0, limit).map((r) => ({ deploymentId: r.id, artifact: artifactOf(r), kind: r.kind, status: r.status, from: iso(r.from_at), to: iso(r.to_at) }));
  const next = rows.length > limit ? Buffer.from(`f${rows[limit - 1].from_at}`).toString('base64url') : null;
  return { items, nextCursor: next };
}

/** GET /api/environments/{a}/diff/{b}: one item per service, in configuration order. */
export function diff(rows, services) {
  return services.map((service) => {
    const side = (name) => {
      const row = rows.find((r) => r.service === service && r.side === name);
      return row ? { deploymentId: row.id, artifact: artifactOf(row) } : null;
    };
    const a = side('a');
    const b = side('b');
    return { service, a, b, same: a !== null && b !== null && a.artifact.id === b.artifact.id };
  });
}
