// The seed in DeployDB's own schema (after its migrations): artifacts, flows, deployments with
// their status times, promotion results and reports, and the placement projection consistent
// with them. One INSERT … SELECT over generate_series per table.
import { PIPELINE } from './model.mjs';
import { BLOCK_DEPLOYMENTS } from './releaseTrain.mjs';
import { expand, ids, isLastBlock, time } from './plan.mjs';
import { MANUAL_EVIDENCE, artifactValues } from './sharedValues.mjs';

/** Seeds an empty, migrated DeployDB database; answers the rows written per table. */
export async function seedDeploydb(client, plan) {
  const { train } = plan;
  const id = ids(train);
  const snapshot = await client.query('select min(id) as id from config_snapshot');
  const snapshotId = snapshot.rows[0].id;
  if (snapshotId === null) throw new Error('seed DeployDB after it has started once on the database (migrations and a configuration snapshot)');
  const written = {};

  written.artifact = await expand(
    client,
    plan,
    `insert into artifact (id, artifact_group, name, version, source_url, revision, committed_at, created_at)
     select ${artifactValues(id)}
       from block k join jsonb_to_recordset($9::jsonb) as x(variant text, slot int, "createdAt" int, "committedAt" int) on x.variant = k.variant`,
    train.artifacts,
  );

  written.flow = await expand(
    client,
    plan,
    `insert into flow (id, artifact_id, service, pipeline, status, snapshot_id, created_at, updated_at)
     select ${id.artifact('k', 'x.slot')}, ${id.artifact('k', 'x.slot')}, k.service, '${PIPELINE}', x.status, ${Number(snapshotId)},
            ${time('k', 'x."createdAt"')}, ${time('k', 'x."updatedAt"')}
       from block k join jsonb_to_recordset($9::jsonb) as x(variant text, slot int, status text, "createdAt" int, "updatedAt" int) on x.variant = k.variant`,
    train.flows,
  );

  written.deployment = await expand(
    client,
    plan,
    `insert into deployment (id, flow_id, artifact_id, service, pipeline, environment, stage, snapshot_id, kind, status, history, reason, reasons,
                             status_at, started_at, completed_at, verified_at, failed_at, created_at, updated_at)
     select ${id.deployment('k', 'x.pos')}, ${id.artifact('k', 'x."flowSlot"')}, ${id.artifact('k', 'x."artifactSlot"')}, k.service,
            case when x."flowSlot" is null then null else '${PIPELINE}' end, x.environment, x.stage, ${Number(snapshotId)}, x.kind, x.status,
            x.history::jsonb, x.reason, x.reasons, ${time('k', 'x."statusAt"')}, ${time('k', 'x."startedAt"')},
            ${time('k', 'x."completedAt"')}, ${time('k', 'x."verifiedAt"')}, ${time('k', 'x."failedAt"')}, ${time('k', 'x."createdAt"')},
            ${time('k', 'x."updatedAt"')}
       from block k join jsonb_to_recordset($9::jsonb) as x(variant text, pos int, "flowSlot" int, "artifactSlot" int, environment text, stage int,
            kind text, status text, history text, reason text, reasons jsonb, "statusAt" int, "startedAt" int, "completedAt" int,
            "verifiedAt" int, "failedAt" int, "createdAt" int, "updatedAt" int) on x.variant = k.variant`,
    train.deployments,
  );

  // Manual promotions keep who approved (or rejected, and why) as their evidence.
  written.promotion_result = await expand(
    client,
    plan,
    `insert into promotion_result (id, deployment_id, position, promotion, type, status, info_url, reason, actor, evidence, state, attempts, errors,
                                   next_check_at, lease_until, settled_at, created_at, updated_at)
     select ${id.result('k', 'x.index')}, ${id.deployment('k', 'x.pos')}, x.position, x.promotion, 'manual', x.status, null, x.reason, x.actor,
            ${MANUAL_EVIDENCE},
            null, x.attempts, 0, null, null, ${time('k', 'x."settledAt"')}, ${time('k', 'x."createdAt"')}, ${time('k', 'x."updatedAt"')}
       from block k join jsonb_to_recordset($9::jsonb) as x(variant text, index int, pos int, position int, promotion text, status text, reason text,
            actor text, rejection text, attempts int, "settledAt" int, "createdAt" int, "updatedAt" int) on x.variant = k.variant`,
    train.results,
  );

  written.promotion_report = await expand(
    client,
    plan,
    `insert into promotion_report (id, result_id, status, info_url, reason, actor, created_at)
     select ${id.result('k', 'x.index')}, ${id.result('k', 'x.index')}, x.status, null, x.rejection, x.actor, ${time('k', 'x."settledAt"')}
       from block k join jsonb_to_recordset($9::jsonb) as x(variant text, index int, status text, actor text, rejection text, "settledAt" int) on x.variant = k.variant`,
    train.results.filter((r) => r.settledAt !== null),
  );

  written.placement_change = await expand(
    client,
    plan,
    `insert into placement_change (id, environment, service, role, at, deployment_id)
     select ${id.change('k', 'x.index')}, x.environment, k.service, x.role, ${time('k', 'x.at')}, ${id.deployment('k', 'x.pos')}
       from block k join jsonb_to_recordset($9::jsonb) as x(variant text, index int, environment text, role text, at int, pos int) on x.variant = k.variant`,
    train.changes,
  );

  // What each lane holds now is what the last block of its service left there.
  written.placement = await expand(
    client,
    plan,
    `insert into placement (environment, service, current_id, in_flight_id, in_flight_created_at, in_flight_recomputed_at, changed_at)
     select x.environment, k.service, ${id.deployment('k', 'x."currentPos"')}, ${id.deployment('k', 'x."inFlightPos"')},
            ${time('k', 'x."inFlightCreatedAt"')}, ${time('k', 'x."recomputedAt"')}, ${time('k', 'x."changedAt"')}
       from block k join jsonb_to_recordset($9::jsonb) as x(variant text, environment text, "currentPos" int, "inFlightPos" int,
            "inFlightCreatedAt" int, "recomputedAt" int, "changedAt" int) on x.variant = k.variant
      where ${isLastBlock('k')}`,
    train.lanes,
  );

  for (const table of ['artifact', 'flow', 'deployment', 'promotion_result', 'promotion_report', 'placement_change']) {
    await client.query(`select setval(pg_get_serial_sequence('${table}', 'id'), (select max(id) from ${table}))`);
  }
  if (written.deployment !== plan.blocks * BLOCK_DEPLOYMENTS) throw new Error(`seeded ${written.deployment} deployments, not ${plan.blocks * BLOCK_DEPLOYMENTS}`);
  return written;
}
