import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { databaseModes, openTestDatabase } from '../testing/testDatabases.js';
import { insertBatches, type SqlRunner } from './batchInsert.js';
import type { Database } from './database.js';
import { creationBatches, creationsToRepair, PlacementStore, type Creation } from './placements.js';

const key = { environment: 'dev', service: 'web' };
const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));

/**
 * The projection's one out-of-order case: a command works out what is in flight while a
 * registration's creation is not committed yet; the creation's write says so, and the repair
 * corrects what the command wrote (store/placements.ts).
 */
describe.each(await databaseModes())('placement repairs (%s database)', (mode) => {
  let db: Database;
  let cleanup: () => Promise<void>;
  let sql: SqlRunner;
  let store: PlacementStore;

  beforeAll(async () => {
    ({ db, destroy: cleanup } = await openTestDatabase(mode));
    sql = (statement, params) => db.sql(statement, params);
    store = new PlacementStore(sql);
  }, 120_000);
  afterAll(() => cleanup?.());
  beforeEach(async () => {
    await sql('truncate placement, placement_change', []);
    await sql('truncate artifact restart identity cascade', []);
    await sql(`insert into artifact (id, artifact_group, name, version, source_url, created_at) values (1, 'g', 'n', '1', 'u', now())`, []);
    await sql(`insert into flow (id, artifact_id, service, pipeline, status, snapshot_id, created_at, updated_at) values (1, 1, 'web', 'p', 'RUNNING', 1, now(), now())`, []);
  });

  /** A deployment row with the given status times (seconds). */
  const deployment = (id: number, created: number, status: string, completed: number | null = null) =>
    sql(
      `insert into deployment (id, flow_id, artifact_id, service, pipeline, environment, stage, snapshot_id, kind, status, history, status_at, completed_at, created_at, updated_at)
       values (?, null, 1, 'web', null, 'dev', null, 1, 'manual', ?, '[]', ?, ?, ?, ?)`,
      [id, status, at(completed ?? created), completed === null ? null : at(completed), at(created), at(created)],
    );
  const create = async (creation: Creation) => insertBatches(sql, db.orm.getMetadata(), creationBatches([creation]));
  const changes = async () =>
    (await sql<{ at: Date; deployment_id: number | null }>(`select at, deployment_id from placement_change where role = 'in_flight' order by at, id`, [])).map((c) => [
      new Date(c.at).getTime(),
      c.deployment_id,
    ]);
  const pointer = async () => (await sql<{ in_flight_id: number | null }>(`select in_flight_id from placement`, []))[0]?.in_flight_id ?? null;

  it('a creation older than a recomputation becomes the one in flight from its creation on', async () => {
    // 1 in flight from 10 s, completed at 30 s: the command saw nothing else in flight then.
    await deployment(1, 10, 'COMPLETED', 30);
    await create({ ...key, deploymentId: 1, createdAt: at(10) });
    await store.lock(key);
    await store.stoppedHolding(key, 'in_flight', 1, at(30));
    expect(await changes()).toEqual([
      [at(10).getTime(), 1],
      [at(30).getTime(), null],
    ]);
    // 2, created at 20 s, commits only now: its write says a recomputation came after it.
    await deployment(2, 20, 'CREATED');
    const creation = { ...key, deploymentId: 2, createdAt: at(20) };
    const returned = await create(creation);
    expect(creationsToRepair([creation], returned)).toEqual([creation]);
    expect(await pointer()).toBe(2);
    await store.repairInFlight(creation);
    // In flight: 1 from 10 s, 2 from 20 s on (also after 1 completed); no change repeats the one before.
    expect(await changes()).toEqual([
      [at(10).getTime(), 1],
      [at(20).getTime(), 2],
    ]);
    expect(await pointer()).toBe(2);
  });

  it('needs no repair when nothing was worked out after the creation, nor for a newer one', async () => {
    await deployment(1, 10, 'CREATED');
    const first = { ...key, deploymentId: 1, createdAt: at(10) };
    expect(creationsToRepair([first], await create(first))).toEqual([]);
    await deployment(2, 5, 'CREATED');
    const older = { ...key, deploymentId: 2, createdAt: at(5) };
    // An older creation committed later: 1 stays in flight now, 2 was from 5 s to 10 s.
    expect(creationsToRepair([older], await create(older))).toEqual([]);
    expect(await pointer()).toBe(1);
    expect(await changes()).toEqual([
      [at(5).getTime(), 2],
      [at(10).getTime(), 1],
    ]);
  });

  it('leaves alone what came after the late deployment left flight', async () => {
    await deployment(1, 10, 'COMPLETED', 30);
    await create({ ...key, deploymentId: 1, createdAt: at(10) });
    await store.stoppedHolding(key, 'in_flight', 1, at(30));
    // 2 was created at 20 s and completed at 40 s before its repair ran.
    await deployment(2, 20, 'COMPLETED', 40);
    const creation = { ...key, deploymentId: 2, createdAt: at(20) };
    await create(creation);
    await store.stoppedHolding(key, 'in_flight', 2, at(40));
    await store.repairInFlight(creation);
    expect(await changes()).toEqual([
      [at(10).getTime(), 1],
      [at(20).getTime(), 2],
      [at(40).getTime(), null],
    ]);
    expect(await pointer()).toBe(null);
  });
});
