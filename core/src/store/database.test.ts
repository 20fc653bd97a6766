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
    const [requests] = await db.sql<{ plan_cache_mode: string }>('show plan_cache_mode');
    expect(requests!.plan_cache_mode).toBe('auto');
  });

  it('uses separate connections for requests and background work', async () => {
    const [request] = await db.sql<{ pid: number }>('select pg_backend_pid() as pid');
    const [background] = await db.backgroundSql<{ pid: number }>('select pg_backend_pid() as pid');
    expect(request!.pid).not.toBe(background!.pid);
  });
});
