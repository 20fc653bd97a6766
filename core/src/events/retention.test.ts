import { afterAll, beforeAll, expect, it } from 'vitest';
import { openEmbeddedTestDatabase } from '../testing/embeddedDatabase.js';
import type { Database } from '../store/database.js';
import { silentLogger } from '../testing/silentLogger.js';
import { Retention } from './retention.js';

let db: Database;
let destroy: (() => Promise<void>) | undefined;
beforeAll(async () => {
  ({ db, destroy } = await openEmbeddedTestDatabase());
  await db.migrate();
});
afterAll(async () => {
  await destroy?.();
});

it('deletes old published events and delivered webhooks, keeps what is pending, failed or recent', async () => {
  const event = JSON.stringify({ id: 'x' });
  await db.sql(
    `insert into outbox_event (event_id, type, order_key, event, created_at) values
       (gen_random_uuid(), 'old-published', 'k', ?::json, now() - interval '30 days'),
       (gen_random_uuid(), 'old-pending', 'k', ?::json, now() - interval '30 days'),
       (gen_random_uuid(), 'recent-published', 'k', ?::json, now())`,
    [event, event, event],
  );
  // Published: off the pending list, as the relay takes them.
  await db.sql(`delete from outbox_pending where id in (select id from outbox_event where type like '%-published')`);
  await db.sql(
    `insert into webhook_delivery (event_id, event_type, url, order_key, status, max_attempts, event, updated_at) values
       ('a', 't', 'http://h', 'k', 'delivered', 1, '{}', now() - interval '30 days'),
       ('b', 't', 'http://h', 'k', 'failed', 1, '{}', now() - interval '30 days'),
       ('c', 't', 'http://h', 'k', 'delivered', 1, '{}', now())`,
  );
  await new Retention(db, silentLogger, 7).prune();
  const events = await db.sql<{ type: string }>('select type from outbox_event order by id');
  expect(events.map((e) => e.type)).toEqual(['old-pending', 'recent-published']);
  const deliveries = await db.sql<{ event_id: string }>('select event_id from webhook_delivery order by id');
  expect(deliveries.map((d) => d.event_id)).toEqual(['b', 'c']);
});
