import { afterEach, describe, expect, it } from 'vitest';
import { databaseModes, openTestDatabase } from '../../testing/testDatabases.js';

describe.each(await databaseModes())('migration m011: webhook_due filled from the pending deliveries (%s database)', (mode) => {
  let destroy: (() => Promise<void>) | undefined;
  afterEach(() => destroy?.());

  it('lists each pending delivery at its next attempt, and none of the others; a deleted delivery leaves the list', async () => {
    const opened = await openTestDatabase(mode, { migrated: false });
    destroy = opened.destroy;
    const db = opened.db;
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
