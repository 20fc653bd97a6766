import { afterEach, describe, expect, it } from 'vitest';
import { openEmbeddedTestDatabase } from '../../testing/embeddedDatabase.js';
import { POSTGRES, reachable } from '../../testing/services.js';
import { createTestDatabase, dropTestDatabase } from '../../testing/harness.js';
import { silentLogger } from '../../testing/silentLogger.js';
import { openDatabase, type Database } from '../database.js';

const modes = (await reachable(POSTGRES)) || process.env.DEPLOYDB_REQUIRE_SERVICES === '1' ? (['embedded', 'postgres'] as const) : (['embedded'] as const);

describe.each(modes)('migration m011: webhook_due filled from the pending deliveries (%s database)', (mode) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function open(): Promise<Database> {
    if (mode === 'embedded') {
      const embedded = await openEmbeddedTestDatabase();
      cleanups.push(embedded.destroy);
      return embedded.db;
    }
    const url = await createTestDatabase();
    const db = await openDatabase({ url, dir: '', logger: silentLogger });
    cleanups.push(() => dropTestDatabase(url), () => db.close());
    return db;
  }

  it('lists each pending delivery at its next attempt, and none of the others; a deleted delivery leaves the list', async () => {
    const db = await open();
    await db.orm.getMigrator().up({ to: 'm010_outbox_pending' });
    await db.sql(`insert into webhook_delivery (event_id, event_type, url, order_key, status, max_attempts, event, next_attempt_at) values
      ('a', 't', 'http://h', 'k', 'pending', 3, '{}', '2026-01-01T00:00:00Z'),
      ('b', 't', 'http://h', 'k', 'delivered', 3, '{}', '2026-01-01T00:00:00Z'),
      ('c', 't', 'http://h', 'k', 'failed', 3, '{}', '2026-01-01T00:00:00Z'),
      ('d', 't', 'http://h', 'k', 'pending', 3, '{}', '2026-01-02T03:04:05.678Z')`);
    expect(await db.migrate()).toContain('m011_webhook_due');
    const due = async () =>
      (
        await db.sql<{ event_id: string; next: string }>(
          `select d.event_id, to_char(w.next_attempt_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS') as next
             from webhook_due w join webhook_delivery d on d.id = w.id order by d.id`,
        )
      ).map((r) => [r.event_id, r.next]);
    expect(await due()).toEqual([
      ['a', '2026-01-01T00:00:00.000'],
      ['d', '2026-01-02T03:04:05.678'],
    ]);
    await db.sql(`delete from webhook_delivery where event_id = 'a'`);
    expect(await due()).toEqual([['d', '2026-01-02T03:04:05.678']]);
  });
});
