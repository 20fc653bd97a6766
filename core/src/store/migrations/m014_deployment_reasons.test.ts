import { afterEach, describe, expect, it } from 'vitest';
import { databaseModes, openTestDatabase } from '../../testing/testDatabases.js';

describe.each(await databaseModes())('migration m014: each reason kept under the status it was reported with (%s database)', (mode) => {
  let destroy: (() => Promise<void>) | undefined;
  afterEach(() => destroy?.());

  it('puts the reason kept under the status reached at its time, and drops that time', async () => {
    const opened = await openTestDatabase(mode, { migrated: false });
    destroy = opened.destroy;
    const db = opened.db;
    await db.orm.getMigrator().up({ to: 'm013_current_spells_by_deployment' });
    await db.sql(`insert into artifact (id, artifact_group, name, version, source_url, created_at) values (1, 'com.acme', 'web', '1', 'u', '2026-01-01T00:00:00Z')`);
    // Minutes: created at 0, started at 1, completed at 2, verified at 3, failed at 4; the reason at one of them.
    const t = (minute: number | null) => (minute === null ? 'null' : `'2026-01-01T00:0${minute}:00Z'`);
    const deployment = (id: number, status: string, history: string[], reason: string | null, reasonAt: number | null) =>
      `(${id}, null, 1, 'web', null, 'prod', null, 1, 'hotfix', '${status}', '${JSON.stringify(history)}', ${reason === null ? 'null' : `'${reason}'`}, ${t(reasonAt)},
        ${t(history.length - 1)}, ${t(history.includes('STARTED') ? 1 : null)}, ${t(history.includes('COMPLETED') ? 2 : null)},
        ${t(history.includes('VERIFIED') ? 3 : null)}, ${t(history.includes('FAILED') ? 4 : null)}, ${t(0)}, ${t(history.length - 1)})`;
    const all = ['CREATED', 'STARTED', 'COMPLETED', 'VERIFIED', 'FAILED'];
    await db.sql(`insert into deployment (id, flow_id, artifact_id, service, pipeline, environment, stage, snapshot_id, kind, status, history, reason, reason_at,
                                          status_at, started_at, completed_at, verified_at, failed_at, created_at, updated_at) values
      ${[
        deployment(1, 'CREATED', all.slice(0, 1), 'asked', 0),
        deployment(2, 'STARTED', all.slice(0, 2), 'begun', 1),
        deployment(3, 'COMPLETED', all.slice(0, 3), 'done', 2),
        deployment(4, 'FAILED', all, 'broke', 4),
        deployment(5, 'VERIFIED', all.slice(0, 4), null, null),
      ].join(',\n')}`);
    expect(await db.migrate()).toContain('m014_deployment_reasons');
    const rows = await db.sql<{ id: number; reason: string | null; reasons: Record<string, string> | null }>(`select id, reason, reasons from deployment order by id`);
    expect(rows).toEqual([
      { id: 1, reason: 'asked', reasons: { CREATED: 'asked' } },
      { id: 2, reason: 'begun', reasons: { STARTED: 'begun' } },
      { id: 3, reason: 'done', reasons: { COMPLETED: 'done' } },
      { id: 4, reason: 'broke', reasons: { FAILED: 'broke' } },
      { id: 5, reason: null, reasons: null },
    ]);
    const columns = await db.sql<{ column_name: string }>(`select column_name from information_schema.columns where table_name = 'deployment' and column_name like 'reason%' order by 1`);
    expect(columns.map((c) => c.column_name)).toEqual(['reason', 'reasons']);
  });
});
