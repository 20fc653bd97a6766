import { afterEach, describe, expect, it } from 'vitest';
import { databaseModes, openTestDatabase } from '../../testing/testDatabases.js';
import type { Database } from '../database.js';
import { replayTimeline } from '../../domain/placementTimeline.js';

describe.each(await databaseModes())('migration m006: the placement projection filled from existing deployments (%s database)', (mode) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function openAtM005(): Promise<Database> {
    const { db, destroy } = await openTestDatabase(mode, { migrated: false });
    cleanups.push(destroy);
    await db.orm.getMigrator().up({ to: 'm005_queue_claims' });
    return db;
  }

  it('takes status times from retained events (else the present status time) and rebuilds what runs where', async () => {
    const db = await openAtM005();
    const em = db.em();
    await em.execute(`insert into artifact (id, artifact_group, name, version, source_url, created_at) values
      (1, 'com.acme', 'web', '1', 'u', '2025-01-01T00:00:00Z'), (2, 'com.acme', 'web', '2', 'u', '2025-01-02T00:00:00Z'),
      (3, 'com.acme', 'web', '3', 'u', '2025-01-03T00:00:00Z')`);
    await em.execute(`insert into flow (id, artifact_id, service, pipeline, status, snapshot_id, created_at, updated_at) values
      (1, 1, 'web', 'p', 'SUCCESS', 1, '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z'),
      (2, 2, 'web', 'p', 'FAILED', 1, '2025-01-02T00:00:00Z', '2025-01-02T00:00:00Z'),
      (3, 3, 'web', 'p', 'RUNNING', 1, '2025-01-03T00:00:00Z', '2025-01-03T00:00:00Z')`);
    // 1: completed at 01:00 (its event kept), verified at 01:05. 2: completed at 02:00 (event kept),
    // failed after completion at 03:00. 3: started, its event pruned: STARTED at its status time.
    await em.execute(`insert into deployment (id, flow_id, artifact_id, service, pipeline, environment, stage, snapshot_id, status, history, reason, status_at, created_at, updated_at) values
      (10, 1, 1, 'web', 'p', 'prod', 0, 1, 'VERIFIED', '["CREATED","COMPLETED","VERIFIED"]', null, '2025-01-01T01:05:00Z', '2025-01-01T00:30:00Z', '2025-01-01T01:05:00Z'),
      (11, 2, 2, 'web', 'p', 'prod', 0, 1, 'FAILED', '["CREATED","STARTED","COMPLETED","FAILED"]', 'broke', '2025-01-02T03:00:00Z', '2025-01-02T01:00:00Z', '2025-01-02T03:00:00Z'),
      (12, 3, 3, 'web', 'p', 'prod', 0, 1, 'STARTED', '["CREATED","STARTED"]', null, '2025-01-03T00:10:00Z', '2025-01-03T00:00:00Z', '2025-01-03T00:10:00Z')`);
    const event = (subject: string, type: string, time: string) =>
      em.execute(`insert into outbox_event (event_id, type, order_key, event, created_at) values (gen_random_uuid(), ?, 'k', ?::json, ?)`, [
        type,
        JSON.stringify({ id: 'x', type, subject, time }),
        time,
      ]);
    await event('deployments/10', 'deploydb.deployment.completed', '2025-01-01T01:00:00.000Z');
    await event('deployments/11', 'deploydb.deployment.started', '2025-01-02T01:30:00.000Z');
    await event('deployments/11', 'deploydb.deployment.completed', '2025-01-02T02:00:00.000Z');

    expect(await db.migrate()).toContain('m006_placements');

    const rows = await em.execute<Array<Record<string, any>>>(
      `select id, kind, reasons, started_at, completed_at, verified_at, failed_at from deployment order by id`,
    );
    const iso = (v: unknown) => (v === null ? null : new Date(v as string).toISOString());
    // (The reason kept, under the status it was reported with, is m014's.)
    expect(rows.map((r) => ({ id: r.id, kind: r.kind, reasons: r.reasons, started: iso(r.started_at), completed: iso(r.completed_at), verified: iso(r.verified_at), failed: iso(r.failed_at) }))).toEqual([
      { id: 10, kind: 'flow', reasons: null, started: null, completed: '2025-01-01T01:00:00.000Z', verified: '2025-01-01T01:05:00.000Z', failed: null },
      { id: 11, kind: 'flow', reasons: { FAILED: 'broke' }, started: '2025-01-02T01:30:00.000Z', completed: '2025-01-02T02:00:00.000Z', verified: null, failed: '2025-01-02T03:00:00.000Z' },
      { id: 12, kind: 'flow', reasons: null, started: '2025-01-03T00:10:00.000Z', completed: null, verified: null, failed: null },
    ]);

    const [placement] = await em.execute<Array<Record<string, any>>>(`select current_id, in_flight_id from placement where environment = 'prod' and service = 'web'`);
    expect(placement).toEqual({ current_id: 10, in_flight_id: 12 });
    const changes = await em.execute<Array<Record<string, any>>>(
      `select role, at, deployment_id from placement_change where environment = 'prod' and service = 'web' order by at, id`,
    );
    const ms = (s: string) => new Date(s).getTime();
    const expected = replayTimeline([
      { id: 10, createdAt: ms('2025-01-01T00:30:00Z'), startedAt: null, completedAt: ms('2025-01-01T01:00:00Z'), verifiedAt: ms('2025-01-01T01:05:00Z'), failedAt: null },
      { id: 11, createdAt: ms('2025-01-02T01:00:00Z'), startedAt: ms('2025-01-02T01:30:00Z'), completedAt: ms('2025-01-02T02:00:00Z'), verifiedAt: null, failedAt: ms('2025-01-02T03:00:00Z') },
      { id: 12, createdAt: ms('2025-01-03T00:00:00Z'), startedAt: ms('2025-01-03T00:10:00Z'), completedAt: null, verifiedAt: null, failedAt: null },
    ]);
    expect(changes.map((c) => ({ role: c.role, at: new Date(c.at).getTime(), deploymentId: c.deployment_id }))).toEqual(
      [...expected].sort((a, b) => a.at - b.at || (a.role < b.role ? -1 : 1)),
    );
    // current: 10 from 01:00, 11 from 02:00, 10 again from 03:00 (11 failed after completing).
    expect(changes.filter((c) => c.role === 'current').map((c) => c.deployment_id)).toEqual([10, 11, 10]);
  }, 120_000);
});
