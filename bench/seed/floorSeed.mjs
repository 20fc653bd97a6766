// The same history in the floor's tables (servers/floorSchema.mjs), with the same ids and times
// as in DeployDB's: one INSERT … SELECT over generate_series per table.
import { FLOOR_SCHEMA } from '../servers/floorSchema.mjs';
import { PIPELINE } from './model.mjs';
import { expand, ids, time } from './plan.mjs';
import { MANUAL_EVIDENCE, artifactValues } from './sharedValues.mjs';

/** Creates the floor's tables in an empty database and seeds them; answers the rows written per table. */
export async function seedFloor(client, plan) {
  const { train } = plan;
  const id = ids(train);
  await client.query(FLOOR_SCHEMA);
  const written = {};

  written.floor_artifact = await expand(
    client,
    plan,
    `insert into floor_artifact (id, artifact_group, name, version, source_url, revision, committed_at, created_at)
     select ${artifactValues(id)}
       from block k join jsonb_to_recordset($9::jsonb) as x(variant text, slot int, "createdAt" int, "committedAt" int) on x.variant = k.variant`,
    train.artifacts,
  );

  written.floor_deployment = await expand(
    client,
    plan,
    `insert into floor_deployment (id, flow_id, artifact_id, service, pipeline, environment, kind, status, reason, reasons,
                                   status_at, started_at, completed_at, verified_at, failed_at, created_at, updated_at)
     select ${id.deployment('k', 'x.pos')}, ${id.artifact('k', 'x."flowSlot"')}, ${id.artifact('k', 'x."artifactSlot"')}, k.service,
            case when x."flowSlot" is null then null else '${PIPELINE}' end, x.environment, x.kind, x.status,
            x.reason, x.reasons, ${time('k', 'x."statusAt"')}, ${time('k', 'x."startedAt"')},
            ${time('k', 'x."completedAt"')}, ${time('k', 'x."verifiedAt"')}, ${time('k', 'x."failedAt"')}, ${time('k', 'x."createdAt"')},
            ${time('k', 'x."updatedAt"')}
       from block k join jsonb_to_recordset($9::jsonb) as x(variant text, pos int, "flowSlot" int, "artifactSlot" int, environment text,
            kind text, status text, reason text, reasons jsonb, "statusAt" int, "startedAt" int, "completedAt" int,
            "verifiedAt" int, "failedAt" int, "createdAt" int, "updatedAt" int) on x.variant = k.variant`,
    train.deployments,
  );

  written.floor_promotion_result = await expand(
    client,
    plan,
    `insert into floor_promotion_result (id, deployment_id, position, promotion, type, status, info_url, reason, actor, evidence,
                                         settled_at, created_at, updated_at)
     select ${id.result('k', 'x.index')}, ${id.deployment('k', 'x.pos')}, x.position, x.promotion, 'manual', x.status, null, x.reason, x.actor,
            ${MANUAL_EVIDENCE},
            ${time('k', 'x."settledAt"')}, ${time('k', 'x."createdAt"')}, ${time('k', 'x."updatedAt"')}
       from block k join jsonb_to_recordset($9::jsonb) as x(variant text, index int, pos int, position int, promotion text, status text, reason text,
            actor text, rejection text, "settledAt" int, "createdAt" int, "updatedAt" int) on x.variant = k.variant`,
    train.results,
  );

  // A stretch runs from one change of its role there to the next (which may hand the role to no one).
  written.floor_span = await expand(
    client,
    plan,
    `insert into floor_span (environment, service, role, from_at, to_at, deployment_id)
     select environment, service, role, from_at, to_at, deployment_id
       from (select x.environment, k.service as service, x.role, ${time('k', 'x.at')} as from_at,
                    lead(${time('k', 'x.at')}) over (partition by x.environment, k.service, x.role order by k.start + x.at) as to_at,
                    ${id.deployment('k', 'x.pos')} as deployment_id
               from block k join jsonb_to_recordset($9::jsonb) as x(variant text, environment text, role text, at int, pos int) on x.variant = k.variant) c
      where deployment_id is not null`,
    train.changes,
  );
  return written;
}
