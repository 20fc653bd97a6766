// The floor's rows (servers/floorStatements.mjs) as the contract's JSON shapes (CONTRACT §4, §11).

/** A timestamp as pg returns it (a Date, or the text of one inside json) in ISO-8601 UTC; null stays null. */
const iso = (value) => (value === null || value === undefined ? null : (value instanceof Date ? value : new Date(value)).toISOString());

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
  const next = rows.length > limit ? Buffer.from(`f${rows[limit - 1].from_at.getTime()}`).toString('base64url') : null;
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
