import type { PlacementRole } from '../domain/placementTimeline.js';
import { rowsFor, type ReturnedRows, type RowBatch, type SqlRunner } from './batchInsert.js';
import type { PlacementChangeRow, PlacementRow } from './entities.js';

/**
 * The placement projection (migration m006): per environment and service, the current and the
 * in-flight deployment now (`placement`), and every change of either over time
 * (`placement_change`). Commands keep it in their own transaction; reads answer from it with a
 * few index probes. The rules it follows are in domain/placementTimeline.ts.
 *
 * Two kinds of writes:
 * - A **creation** makes the new deployment the one in flight from its creation time. Creations
 *   commute (each is simply the newest from its own time on), so registrations write them in
 *   their one statement without holding anything first. Its upsert returns when the row was last
 *   worked out anew; when that is not before the creation, a command that did so could not see
 *   this creation yet, and `repairInFlight` corrects what it wrote.
 * - Every other change (a completion, a deployment leaving flight, a failure) is made by a
 *   command holding the placement row locked (`lockPlacement`), at a time later than any change
 *   written before (`changed_at`), so it sees every earlier change and what it works out holds.
 */

export interface PlacementKey {
  environment: string;
  service: string;
}

/** A deployment created in a command: the projection's input for it. */
export interface Creation extends PlacementKey {
  deploymentId: number;
  createdAt: Date;
}

const keyOf = (key: PlacementKey) => `${key.environment}\u0000${key.service}`;

const creationUpsert = {
  key: (row: PlacementRow) => keyOf(row),
  merge: (a: PlacementRow, b: PlacementRow) => (newer(b.inFlightCreatedAt!, b.inFlightId!, a.inFlightCreatedAt!, a.inFlightId!) ? b : a),
  onConflict: `(environment, service) do update set
    in_flight_id = case
      when placement.in_flight_created_at is null
        or (excluded.in_flight_created_at, excluded.in_flight_id) > (placement.in_flight_created_at, placement.in_flight_id)
      then excluded.in_flight_id else placement.in_flight_id end,
    in_flight_created_at = greatest(placement.in_flight_created_at, excluded.in_flight_created_at)`,
  returning: 'environment, service, in_flight_recomputed_at',
};

const newer = (at: Date, id: number, thanAt: Date, thanId: number) => at.getTime() > thanAt.getTime() || (at.getTime() === thanAt.getTime() && id > thanId);

/** The rows that record creations: the placement upsert (newest in flight wins) and a change each. */
export function creationBatches(creations: readonly Creation[]): RowBatch[] {
  if (creations.length === 0) return [];
  const placements: PlacementRow[] = creations.map((c) => ({
    environment: c.environment,
    service: c.service,
    currentId: null,
    inFlightId: c.deploymentId,
    inFlightCreatedAt: c.createdAt,
    inFlightRecomputedAt: null,
    changedAt: null,
  }));
  const changes = creations.map(
    (c) => ({ environment: c.environment, service: c.service, role: 'in_flight', at: c.createdAt, deploymentId: c.deploymentId }) as PlacementChangeRow,
  );
  return [rowsFor('placement', placements, creationUpsert), rowsFor('placement_change', changes)];
}

/** The creations that a command working out the in-flight deployment anew may have missed. */
export function creationsToRepair(creations: readonly Creation[], returned: ReturnedRows): Creation[] {
  const recomputed = new Map<string, number>();
  for (const { table, row } of returned) {
    if (table !== 'placement' || row.in_flight_recomputed_at === null || row.in_flight_recomputed_at === undefined) continue;
    recomputed.set(keyOf(row as unknown as PlacementKey), new Date(row.in_flight_recomputed_at as string).getTime());
  }
  return creations.filter((c) => (recomputed.get(keyOf(c)) ?? -Infinity) >= c.createdAt.getTime());
}

/**
 * Corrects the in-flight changes written after a creation by commands that could not see it:
 * from its creation until it left flight, wherever they named an older deployment (or none),
 * the new one was the newest in flight. Should it have left flight already, the command that
 * saw it leave took something else for the one in flight: from then on, what that command saw
 * stands again. Runs with the placement row locked.
 */
async function repairInFlight(sql: SqlRunner, creation: Creation): Promise<void> {
  const { environment, service, deploymentId, createdAt } = creation;
  const [left] = await sql<{ at: Date | string | null }>(`select least(completed_at, failed_at) as at from deployment where id = ?`, [deploymentId]);
  const leftAt = left?.at ? new Date(left.at) : null;
  const holderWhenLeft = leftAt ? await holderAt(sql, creation, 'in_flight', leftAt) : null;
  await sql(
    `update placement_change c set deployment_id = ?
      where c.environment = ? and c.service = ? and c.role = 'in_flight' and c.at >= ? and c.at < ?::timestamptz
        and (c.deployment_id is null
             or (select (o.created_at, o.id) < (?::timestamptz, ?::int) from deployment o where o.id = c.deployment_id))`,
    [deploymentId, environment, service, createdAt, leftAt ?? 'infinity', createdAt, deploymentId],
  );
  if (leftAt && holderWhenLeft !== deploymentId) await writeChange(sql, creation, 'in_flight', holderWhenLeft, leftAt);
  await dropRepeats(sql, creation, 'in_flight', createdAt);
  await sql(`update placement set in_flight_id = (${LATEST_HOLDER}) where environment = ? and service = ?`, [environment, service, 'in_flight', environment, service]);
}

const LATEST_HOLDER = `select deployment_id from placement_change
  where environment = ? and service = ? and role = ? order by at desc, id desc limit 1`;

/** Removes changes that name the same deployment as the change before them, from `from` on. */
async function dropRepeats(sql: SqlRunner, key: PlacementKey, role: PlacementRole, from: Date): Promise<void> {
  await sql(
    `delete from placement_change where id in (
       select id from (
         select id, deployment_id, lag(deployment_id) over (order by at, id) as before, row_number() over (order by at, id) as n
           from placement_change
          where environment = ? and service = ? and role = ? and at >= coalesce(
            (select max(at) from placement_change where environment = ? and service = ? and role = ? and at < ?), '-infinity')
       ) x
       where x.n > 1 and x.deployment_id is not distinct from x.before)`,
    [key.environment, key.service, role, key.environment, key.service, role, from],
  );
}

/**
 * Locks a placement row (making it first when there is none) and answers the time of the latest
 * change written there under the lock: the command's changes must come after it.
 */
async function lockPlacement(sql: SqlRunner, key: PlacementKey): Promise<Date | null> {
  const select = `select changed_at from placement where environment = ? and service = ? for update`;
  let [row] = await sql<{ changed_at: Date | string | null }>(select, [key.environment, key.service]);
  if (!row) {
    await sql(`insert into placement (environment, service) values (?, ?) on conflict do nothing`, [key.environment, key.service]);
    [row] = await sql<{ changed_at: Date | string | null }>(select, [key.environment, key.service]);
  }
  return row?.changed_at ? new Date(row.changed_at) : null;
}

/** Which deployment holds a role there at `at`: the latest change at or before it. */
async function holderAt(sql: SqlRunner, key: PlacementKey, role: PlacementRole, at: Date): Promise<number | null> {
  const [row] = await sql<{ deployment_id: number | null }>(
    `select deployment_id from placement_change where environment = ? and service = ? and role = ? and at <= ?
      order by at desc, id desc limit 1`,
    [key.environment, key.service, role, at],
  );
  return row?.deployment_id ?? null;
}

/** The deployment in flight there at `at` other than `except`, worked out from the deployments' statuses. */
async function newestInFlight(sql: SqlRunner, key: PlacementKey, at: Date, except: number): Promise<number | null> {
  const [row] = await sql<{ id: number }>(
    `select id from deployment where environment = ? and service = ? and status in ('CREATED', 'STARTED') and created_at <= ? and id <> ?
      order by created_at desc, id desc limit 1`,
    [key.environment, key.service, at, except],
  );
  return row?.id ?? null;
}

/** The deployment current there other than `except`: the newest completed one still COMPLETED or VERIFIED. */
async function newestLive(sql: SqlRunner, key: PlacementKey, at: Date, except: number): Promise<number | null> {
  const [row] = await sql<{ id: number }>(
    `select id from deployment where environment = ? and service = ? and status in ('COMPLETED', 'VERIFIED') and completed_at <= ? and id <> ?
      order by completed_at desc, id desc limit 1`,
    [key.environment, key.service, at, except],
  );
  return row?.id ?? null;
}

/** A deployment became current at `at` (it completed): the latest completion wins. */
async function becameCurrent(sql: SqlRunner, key: PlacementKey, deploymentId: number, at: Date): Promise<void> {
  await writeChange(sql, key, 'current', deploymentId, at);
}

/**
 * A deployment stopped holding a role at `at` (it left flight, or failed after completing): if
 * it held it, the role goes to the next deployment by the rules, or to none.
 */
async function stoppedHolding(sql: SqlRunner, key: PlacementKey, role: PlacementRole, deploymentId: number, at: Date): Promise<void> {
  if ((await holderAt(sql, key, role, at)) !== deploymentId) return;
  const next = role === 'current' ? await newestLive(sql, key, at, deploymentId) : await newestInFlight(sql, key, at, deploymentId);
  await writeChange(sql, key, role, next, at);
}

/**
 * Writes that `deploymentId` holds `role` from `at` on, keeping one change per role and time and
 * none that repeats the one before; then the row's pointer (the latest change) and times.
 */
async function writeChange(sql: SqlRunner, key: PlacementKey, role: PlacementRole, deploymentId: number | null, at: Date): Promise<void> {
  const { environment, service } = key;
  const rows = await sql<{ id: string | number; at: Date | string; deployment_id: number | null }>(
    `select id, at, deployment_id from placement_change where environment = ? and service = ? and role = ? and at <= ?
      order by at desc, id desc limit 2`,
    [environment, service, role, at],
  );
  const [last, before] = rows;
  if (last && last.deployment_id === deploymentId) return;
  if (last && new Date(last.at).getTime() === at.getTime()) {
    if (before && before.deployment_id === deploymentId) {
      await sql(`delete from placement_change where environment = ? and service = ? and role = ? and at = ? and id = ?`, [environment, service, role, at, last.id]);
    } else {
      await sql(`update placement_change set deployment_id = ? where environment = ? and service = ? and role = ? and at = ? and id = ?`, [
        deploymentId,
        environment,
        service,
        role,
        at,
        last.id,
      ]);
    }
  } else {
    await sql(`insert into placement_change (environment, service, role, at, deployment_id) values (?, ?, ?, ?, ?)`, [environment, service, role, at, deploymentId]);
  }
  const pointer = role === 'current' ? 'current_id' : 'in_flight_id';
  const recomputed = role === 'in_flight' ? `, in_flight_recomputed_at = greatest(in_flight_recomputed_at, ?::timestamptz)` : '';
  const holder = `(${LATEST_HOLDER})`;
  const inFlightCreated = role === 'in_flight' ? `, in_flight_created_at = (select created_at from deployment where id = ${holder})` : '';
  await sql(
    `update placement set ${pointer} = ${holder}, changed_at = greatest(changed_at, ?::timestamptz)${recomputed}${inFlightCreated}
      where environment = ? and service = ?`,
    [
      environment,
      service,
      role,
      at,
      ...(role === 'in_flight' ? [at, environment, service, role] : []),
      environment,
      service,
    ],
  );
}

/** The deployment current there now and its artifact, or null. */
async function currentThere(sql: SqlRunner, key: PlacementKey): Promise<{ deploymentId: number; artifactId: number } | null> {
  const [row] = await sql<{ id: number; artifact_id: number }>(
    `select d.id, d.artifact_id from placement p join deployment d on d.id = p.current_id where p.environment = ? and p.service = ?`,
    [key.environment, key.service],
  );
  return row ? { deploymentId: Number(row.id), artifactId: Number(row.artifact_id) } : null;
}

/** The artifact that was current there before `artifactId` became so (the latest other one), or null. */
async function previousCurrentArtifact(sql: SqlRunner, key: PlacementKey, artifactId: number): Promise<number | null> {
  const [row] = await sql<{ artifact_id: number }>(
    `select d.artifact_id from placement_change c join deployment d on d.id = c.deployment_id
      where c.environment = ? and c.service = ? and c.role = 'current' and d.artifact_id <> ?
      order by c.at desc, c.id desc limit 1`,
    [key.environment, key.service, artifactId],
  );
  return row ? Number(row.artifact_id) : null;
}

/** Whether an artifact was ever current there: a deployment of it there was reported COMPLETED. */
async function wasEverCurrent(sql: SqlRunner, key: PlacementKey, artifactId: number): Promise<boolean> {
  const rows = await sql(
    `select 1 from deployment where artifact_id = ? and environment = ? and service = ? and completed_at is not null limit 1`,
    [artifactId, key.environment, key.service],
  );
  return rows.length > 0;
}

/**
 * The placement projection as a command changes and reads it, on the command's connection (its
 * transaction): see the functions above for what each does.
 */
export class PlacementStore {
  constructor(private readonly sql: SqlRunner) {}

  /** Locks a placement row (making it first) and answers the time of its latest change. */
  lock(key: PlacementKey): Promise<Date | null> {
    return lockPlacement(this.sql, key);
  }

  becameCurrent(key: PlacementKey, deploymentId: number, at: Date): Promise<void> {
    return becameCurrent(this.sql, key, deploymentId, at);
  }

  stoppedHolding(key: PlacementKey, role: PlacementRole, deploymentId: number, at: Date): Promise<void> {
    return stoppedHolding(this.sql, key, role, deploymentId, at);
  }

  repairInFlight(creation: Creation): Promise<void> {
    return repairInFlight(this.sql, creation);
  }

  currentThere(key: PlacementKey): Promise<{ deploymentId: number; artifactId: number } | null> {
    return currentThere(this.sql, key);
  }

  previousCurrentArtifact(key: PlacementKey, artifactId: number): Promise<number | null> {
    return previousCurrentArtifact(this.sql, key, artifactId);
  }

  wasEverCurrent(key: PlacementKey, artifactId: number): Promise<boolean> {
    return wasEverCurrent(this.sql, key, artifactId);
  }
}
