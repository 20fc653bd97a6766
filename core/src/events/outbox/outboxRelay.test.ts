import { afterEach, describe, expect, it } from 'vitest';
import { databaseModes, openTestDatabase } from '../../testing/testDatabases.js';
import { silentLogger } from '../../testing/silentLogger.js';
import type { Database } from '../../store/database.js';
import type { QueueProvider } from '../../plugin-api/queue.js';
import { OutboxRelay } from './outboxRelay.js';

/** A queue that keeps what is published to it, and refuses while `refusing`. */
function recordingQueue() {
  const published: Array<{ type: string; id: string; key?: string }> = [];
  const queue = {
    refusing: false,
    published,
    start: async () => undefined,
    stop: async () => undefined,
    health: async () => ({ status: 'ok' as const }),
    subscribe: async () => ({ close: async () => undefined }),
    async publish(type: string, _event: Record<string, unknown>, { id, key }: { id: string; key?: string }) {
      if (queue.refusing) throw new Error('refused');
      published.push({ type, id, key });
    },
  };
  return queue satisfies QueueProvider;
}

async function until(check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.each(await databaseModes())('the outbox pending list (%s database)', (mode) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function open(): Promise<Database> {
    const { db, destroy } = await openTestDatabase(mode, { migrated: false });
    cleanups.push(destroy);
    return db;
  }

  const insertEvents = (db: Database, types: string[]) =>
    db.sql(
      `insert into outbox_event (event_id, type, order_key, event, created_at)
       select gen_random_uuid(), t, 'k', json_build_object('type', t), now() from unnest(?::text[]) with ordinality as x(t, n) order by n`,
      [`{${types.join(',')}}`],
    );
  const pendingTypes = async (db: Database) =>
    (await db.sql<{ type: string }>(`select o.type from outbox_pending p join outbox_event o on o.id = p.id order by p.id`)).map((r) => r.type);

  it('migration m010 lists the events not yet published, and every event inserted after it', async () => {
    const db = await open();
    await db.orm.getMigrator().up({ to: 'm009_queue_pointers' });
    await db.sql(`insert into outbox_event (event_id, type, order_key, event, created_at, published_at) values
      (gen_random_uuid(), 'published', 'k', '{}', now(), now()),
      (gen_random_uuid(), 'waiting-1', 'k', '{}', now(), null),
      (gen_random_uuid(), 'waiting-2', 'k', '{}', now(), null)`);
    expect(await db.migrate()).toContain('m010_outbox_pending');
    expect(await pendingTypes(db)).toEqual(['waiting-1', 'waiting-2']);

    await insertEvents(db, ['new-1', 'new-2']);
    expect(await pendingTypes(db)).toEqual(['waiting-1', 'waiting-2', 'new-1', 'new-2']);
    // An insert that fails lists nothing.
    await expect(db.sql(`insert into outbox_event (event_id, type, order_key, event, created_at) values (gen_random_uuid(), 'bad', 'k', '{}', null)`)).rejects.toThrow();
    expect(await pendingTypes(db)).toEqual(['waiting-1', 'waiting-2', 'new-1', 'new-2']);
  });

  it('takes published events off the list, in order, keeps refused ones, and vacuums the list as it goes', async () => {
    const db = await open();
    await db.migrate();
    const queue = recordingQueue();
    const relay = new OutboxRelay({ db, queue, logger: silentLogger, pollMs: 50, vacuumEvery: 4 });
    const vacuums = async () =>
      Number((await db.sql<{ n: string }>(`select coalesce(vacuum_count, 0)::text as n from pg_stat_user_tables where relname = 'outbox_pending'`))[0]?.n ?? 0);
    const vacuumsBefore = await vacuums();

    queue.refusing = true;
    await insertEvents(db, ['e1', 'e2', 'e3']);
    await relay.start();
    cleanups.push(() => relay.stop());
    relay.wake();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(queue.published).toEqual([]);
    expect(await pendingTypes(db)).toEqual(['e1', 'e2', 'e3']);

    queue.refusing = false;
    await insertEvents(db, ['e4', 'e5']);
    relay.wake();
    await until(async () => (await pendingTypes(db)).length === 0, 'the list to empty');
    expect(queue.published.map((p) => p.type)).toEqual(['e1', 'e2', 'e3', 'e4', 'e5']);
    // Five published, a vacuum every four: one so far.
    await until(async () => (await vacuums()) > vacuumsBefore, 'a vacuum of outbox_pending');
    // The events themselves stay as written (the stream and retention read them).
    expect((await db.sql<{ n: string }>(`select count(*)::text as n from outbox_event`))[0]!.n).toBe('5');
  });
});
