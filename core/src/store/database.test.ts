import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES, servicesAvailable } from '../testing/services.js';
import { createTestDatabase, dropTestDatabase } from '../testing/harness.js';
import { silentLogger } from '../testing/silentLogger.js';
import { openDatabase, type Database } from './database.js';

describe.runIf(await servicesAvailable(POSTGRES))('database pools on PostgreSQL', () => {
  let url: string;
  let db: Database;

  beforeAll(async () => {
    url = await createTestDatabase();
    db = await openDatabase({ url, dir: '', logger: silentLogger, poolSize: 2 });
    await db.migrate();
  });

  afterAll(async () => {
    await db?.close();
    await dropTestDatabase(url);
  });

  it('runs a statement again and again on every connection of a pool, with its parameters bound each time', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => db.sql<{ doubled: number }>('select (?::int * 2) as doubled', [i])),
    );
    expect(answers.map(([row]) => row!.doubled)).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
    const background = await Promise.all(
      Array.from({ length: 20 }, (_, i) => db.backgroundSql<{ doubled: number }>('select (?::int * 2) as doubled', [i])),
    );
    expect(background.map(([row]) => row!.doubled)).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
  });

  it('plans background statements on every run, so that no plan outlives the size of its tables', async () => {
    const modes = await Promise.all(Array.from({ length: 8 }, () => db.backgroundSql<{ plan_cache_mode: string }>('show plan_cache_mode')));
    expect(new Set(modes.map(([row]) => row!.plan_cache_mode))).toEqual(new Set(['force_custom_plan']));
  });

  it('plans request statements once per connection, in UTC sessions, except those planned with their values on each call', async () => {
    const settings = await Promise.all(
      Array.from({ length: 8 }, () => db.sql<{ mode: string; zone: string }>(`select current_setting('plan_cache_mode') as mode, current_setting('TimeZone') as zone`)),
    );
    expect(new Set(settings.map(([row]) => `${row!.mode} ${row!.zone}`))).toEqual(new Set(['force_generic_plan UTC']));
    const windowed = 'select count(*)::int as n from generate_series(1, ?::int) as planned_each_call';
    const named = 'select count(*)::int as n from generate_series(1, ?::int) as planned_once';
    for (let i = 1; i <= 8; i += 1) {
      expect((await db.sql<{ n: number }>(windowed, [i], { planEachCall: true }))[0]!.n).toBe(i);
      expect((await db.sql<{ n: number }>(named, [i]))[0]!.n).toBe(i);
    }
    const statements = await Promise.all(Array.from({ length: 8 }, () => db.sql<{ statement: string }>('select statement from pg_prepared_statements')));
    const prepared = statements.flat().map((row) => row.statement);
    expect(prepared.some((text) => text.includes('planned_once'))).toBe(true);
    expect(prepared.some((text) => text.includes('planned_each_call'))).toBe(false);
  });

  it('uses separate connections for requests and background work', async () => {
    const [request] = await db.sql<{ pid: number }>('select pg_backend_pid() as pid');
    const [background] = await db.backgroundSql<{ pid: number }>('select pg_backend_pid() as pid');
    expect(request!.pid).not.toBe(background!.pid);
  });
});
