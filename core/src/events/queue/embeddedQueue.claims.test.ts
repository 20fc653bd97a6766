/**
 * The embedded queue's log, positions and claims, checked in the database as well as in what the
 * handlers receive: a consumer that dies holding a claim, a group that wants none of a window,
 * instances publishing side by side, the outbox copied into the log, and the upgrade from the
 * delivery-per-message schema (m005).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openEmbeddedTestDatabase } from '../../testing/embeddedDatabase.js';
import type { QueueMessage } from '../../plugin-api/queue.js';
import { subjectPatternRegex } from '../../plugin-api/subjects.js';
import { openDatabase, type Database } from '../../store/database.js';
import { createTestDatabase, dropTestDatabase } from '../../testing/harness.js';
import { POSTGRES, servicesAvailable } from '../../testing/services.js';
import { silentLogger } from '../../testing/silentLogger.js';
import { cloudEvent, collector, sleep, waitUntil } from '../../testing/queueMessages.js';
import { EmbeddedQueue, type EmbeddedQueueOptions } from './embeddedQueue.js';

const timings = { pollMs: 100, redeliveryMs: 300, lockSeconds: 2 };

/** How long a test waits for something that must happen. Generous: only a failure waits this long. */
const WAIT_MS = 15_000;

/** How long a test watches for something that must not happen (a redelivery, a second copy). */
const QUIET_MS = 1000;

const TEST_TIMEOUT = 45_000;

/** A database for one test. */
interface Store {
  db: Database;
  /** Another handle on the same database, as a second DeployDB instance has (the same handle on PGlite: one process). */
  another(): Promise<Database>;
  close(): Promise<void>;
}

type OpenStore = (options: { migrate: boolean }) => Promise<Store>;

const openPglite: OpenStore = async ({ migrate }) => {
  const { db, destroy } = await openEmbeddedTestDatabase();
  if (migrate) await db.migrate();
  return { db, another: async () => db, close: destroy };
};

const openPostgres: OpenStore = async ({ migrate }) => {
  const url = await createTestDatabase();
  const handles: Database[] = [];
  try {
    const db = await openDatabase({ url, dir: '', logger: silentLogger });
    handles.push(db);
    if (migrate) await db.migrate();
    return {
      db,
      async another() {
        const other = await openDatabase({ url, dir: '', logger: silentLogger });
        handles.push(other);
        return other;
      },
      async close() {
        for (const handle of handles.reverse()) await handle.close();
        await dropTestDatabase(url);
      },
    };
  } catch (error) {
    for (const handle of handles) await handle.close().catch(() => undefined);
    await dropTestDatabase(url);
    throw error;
  }
};

describe('embedded queue claims on the embedded database (PGlite)', () => {
  claimTests(openPglite, { instancesHaveOwnConnections: false });
});

describe.runIf(await servicesAvailable(POSTGRES))('embedded queue claims on PostgreSQL', () => {
  claimTests(openPostgres, { instancesHaveOwnConnections: true });
});

/**
 * `instancesHaveOwnConnections`: two instances write at the same time (PostgreSQL). PGlite
 * serves one connection, so its statements never overlap and the tests of overlapping
 * transactions do not apply.
 */
function claimTests(openStore: OpenStore, { instancesHaveOwnConnections }: { instancesHaveOwnConnections: boolean }): void {
  let stores: Store[] = [];
  let queues: EmbeddedQueue[] = [];
  let gates: Array<() => void> = [];

  afterEach(async () => {
    // Handlers held open by a test finish first, or stopping their queue would wait for them.
    for (const release of gates) release();
    const [openQueues, openStores] = [queues.reverse(), stores.reverse()];
    gates = [];
    queues = [];
    stores = [];
    try {
      for (const queue of openQueues) await queue.stop();
    } finally {
      for (const store of openStores) await store.close();
    }
  });

  async function open(options = { migrate: true }): Promise<Store> {
    const store = await openStore(options);
    stores.push(store);
    return store;
  }

  /** A queue, started, stopped after the test. */
  async function startQueue(db: Database, options: Partial<EmbeddedQueueOptions> = {}): Promise<EmbeddedQueue> {
    const queue = new EmbeddedQueue({ db, logger: silentLogger, ...timings, ...options });
    queues.push(queue);
    await queue.start();
    return queue;
  }

  /** A promise the test resolves (at the latest after the test, before its queues stop). */
  function gate(): { promise: Promise<void>; release: () => void } {
    let release!: () => void;
    const promise = new Promise<void>((resolve) => (release = resolve));
    gates.push(release);
    return { promise, release };
  }

  it('delivers the messages of a claim whose consumer died, once its lock expired, and removes the claim', async () => {
    const { db } = await open();
    const queue = new EmbeddedQueue({ db, logger: silentLogger, ...timings });
    queues.push(queue);
    const taken = Array.from({ length: 3 }, (_, n) => cloudEvent('deploydb.deployment.created', { n }));
    await Promise.all(taken.map((e) => queue.publish(e.type as string, e, { id: e.id as string })));
    const lastTaken = await maxMessageId(db);

    // What a consumer that died mid-batch leaves: the group moved past the window, and a claim
    // of the window whose lock ran out.
    const name = 'dead-consumer|deploydb.>';
    await db.sql(`insert into queue_group (name, pattern, pattern_regex, position) values (?, ?, ?, ?)`, [
      name,
      'deploydb.>',
      subjectPatternRegex('deploydb.>'),
      lastTaken,
    ]);
    await db.sql(
      `insert into queue_claim (group_name, after_id, upto_id, attempts, available_at, locked_until)
       values (?, 0, ?, 1, now() - interval '5 seconds', now() - interval '1 second')`,
      [name, lastTaken],
    );
    const later = cloudEvent('deploydb.deployment.completed', { n: 3 });
    await queue.publish(later.type as string, later, { id: later.id as string });

    await queue.start();
    const inbox = collector();
    await queue.subscribe('deploydb.>', { group: 'dead-consumer' }, inbox.handler);

    await eventually(() => inbox.messages.length >= 4, 'the claimed messages and the later one');
    await eventually(async () => (await claimsOf(db, name)).length === 0, 'the claim to be settled');
    await sleep(QUIET_MS);
    expect(inbox.ids().sort()).toEqual([...taken, later].map((e) => e.id as string).sort());
    for (const e of taken) {
      const message = inbox.messages.find((m) => m.id === e.id)!;
      expect(message.deliveryCount).toBeGreaterThanOrEqual(2);
      expect(message.event).toEqual(e);
    }
    expect(inbox.messages.find((m) => m.id === later.id)!.deliveryCount).toBe(1);
    expect(await claimsOf(db, name)).toEqual([]);
    expect(await positionOf(db, name)).toBe(await maxMessageId(db));
  }, TEST_TIMEOUT);

  it('keeps the claim of handlers slower than the lock: no other consumer of the group gets their messages meanwhile', async () => {
    const store = await open();
    const name = 'workers|deploydb.deployment.*';
    // A lock of one second, renewed every third of it while the handlers run.
    const slowQueue = await startQueue(store.db, { lockSeconds: 1 });
    const slow = gate();
    const seenBySlow: QueueMessage[] = [];
    let finishedBySlow = 0;
    await slowQueue.subscribe('deploydb.deployment.*', { group: 'workers' }, async (message) => {
      seenBySlow.push(message);
      await slow.promise;
      finishedBySlow += 1;
    });
    const events = Array.from({ length: 5 }, (_, n) => cloudEvent('deploydb.deployment.started', { n }));
    // One tick: one statement, so the slow consumer claims all five in one window.
    await Promise.all(events.map((e) => slowQueue.publish(e.type as string, e, { id: e.id as string, key: `deployment-${e.data.n}` })));
    await eventually(() => seenBySlow.length === 5, 'the slow consumer to take the batch');
    expect(await claimsOf(store.db, name)).toMatchObject([{ after_id: 0, upto_id: await maxMessageId(store.db), attempts: 1, locked: true }]);

    // Another instance of the group, polling all the while: three lock lengths pass.
    const otherQueue = await startQueue(await store.another(), { lockSeconds: 10 });
    const inbox = collector();
    await otherQueue.subscribe('deploydb.deployment.*', { group: 'workers' }, inbox.handler);
    await sleep(3000);
    expect(inbox.messages).toEqual([]);
    expect(await claimsOf(store.db, name)).toMatchObject([{ attempts: 1, locked: true }]);

    // The slow handlers finish: the claim is settled and nothing comes again.
    slow.release();
    await eventually(() => finishedBySlow === 5, 'the slow handlers to finish');
    await eventually(async () => (await claimsOf(store.db, name)).length === 0, 'the claim to be settled');
    await sleep(QUIET_MS);
    expect(seenBySlow.map((m) => m.deliveryCount)).toEqual([1, 1, 1, 1, 1]);
    expect(inbox.messages).toEqual([]);
  }, TEST_TIMEOUT);

  it('adds no retry for a failure reported on a claim that another consumer took over and settled', async () => {
    const store = await open();
    const name = 'takeover|deploydb.>';
    // The first consumer never polls again by itself, so only the second can take the claim over.
    const first = await startQueue(store.db, { lockSeconds: 1, pollMs: 60_000 });
    const slow = gate();
    const seenByFirst: QueueMessage[] = [];
    let failedByFirst = false;
    await first.subscribe('deploydb.>', { group: 'takeover' }, async (message) => {
      seenByFirst.push(message);
      await slow.promise;
      failedByFirst = true;
      throw new Error('handler failure the test asked for');
    });
    const event = cloudEvent('deploydb.deployment.created', { n: 1 });
    await first.publish(event.type as string, event, { id: event.id as string });
    await eventually(() => seenByFirst.length === 1, 'the first consumer to take the message');

    // Its lock runs out (as if it had died): renewals stop, the second consumer takes over and settles.
    await store.db.sql(`update queue_claim set locked_until = now() - interval '1 second' where group_name = ?`, [name]);
    const second = await startQueue(await store.another(), { lockSeconds: 10 });
    const inbox = collector();
    await second.subscribe('deploydb.>', { group: 'takeover' }, inbox.handler);
    await inbox.waitForCount(1, WAIT_MS);
    await eventually(async () => (await claimsOf(store.db, name)).length === 0, 'the second consumer to settle');
    expect(inbox.messages[0]!.deliveryCount).toBe(2);

    // The first consumer fails late: its claim is gone, so nothing comes back.
    slow.release();
    await eventually(() => failedByFirst, 'the first handler to fail');
    await sleep(QUIET_MS);
    expect(await claimsOf(store.db, name)).toEqual([]);
    expect(inbox.messages).toHaveLength(1);
    expect(seenByFirst).toHaveLength(1);
  }, TEST_TIMEOUT);

  it('runs at most 32 handlers at once, and claims the rest as they finish', async () => {
    const { db } = await open();
    const queue = await startQueue(db);
    const held = gate();
    let running = 0;
    let mostAtOnce = 0;
    let finished = 0;
    await queue.subscribe('deploydb.>', { group: 'capped' }, async () => {
      running += 1;
      mostAtOnce = Math.max(mostAtOnce, running);
      await held.promise;
      running -= 1;
      finished += 1;
    });
    const events = Array.from({ length: 100 }, (_, n) => cloudEvent('deploydb.deployment.created', { n }));
    await Promise.all(events.map((e) => queue.publish(e.type as string, e, { id: e.id as string })));

    await eventually(() => running === 32, '32 handlers to run');
    await sleep(QUIET_MS);
    expect(running).toBe(32);
    held.release();
    await eventually(() => finished === 100, 'every message to be handled');
    expect(mostAtOnce).toBe(32);
    await eventually(async () => (await claimsOf(db, 'capped|deploydb.>')).length === 0, 'the claims to be settled');
  }, TEST_TIMEOUT);

  it('prunes only the messages below every group\'s position and every claim, once past the retention', async () => {
    const { db } = await open();
    const queue = await startQueue(db);
    const inbox = collector();
    await queue.subscribe('deploydb.>', { group: 'reader' }, inbox.handler);
    const events = Array.from({ length: 6 }, (_, n) => cloudEvent('deploydb.deployment.created', { n }));
    await Promise.all(events.map((e) => queue.publish(e.type as string, e, { id: e.id as string })));
    await inbox.waitForCount(6, WAIT_MS);
    await eventually(async () => (await claimsOf(db, 'reader|deploydb.>')).length === 0, 'the reader to settle');
    const ids = (await db.sql<{ id: string }>('select id::text as id from queue_message order by id')).map((row) => Number(row.id));

    // Another group, at the end of the log but holding a claim on the third and later messages.
    await db.sql(`insert into queue_group (name, pattern, pattern_regex, position) values ('holder|deploydb.>', 'deploydb.>', '^deploydb\\..+$', ?)`, [ids[5]]);
    await db.sql(`insert into queue_claim (group_name, after_id, upto_id, attempts, available_at, locked_until)
                  values ('holder|deploydb.>', ?, ?, 1, now(), now() + interval '1 hour')`, [ids[1], ids[5]]);
    const kept = async () => (await db.sql<{ id: string }>('select id::text as id from queue_message order by id')).map((row) => Number(row.id));

    await queue.prune(3600);
    expect(await kept()).toEqual(ids); // none is older than an hour
    await queue.prune(0);
    expect(await kept()).toEqual(ids.slice(2)); // the claim holds the third and later
    await db.sql(`delete from queue_claim where group_name = 'holder|deploydb.>'`);
    await queue.prune(0);
    expect(await kept()).toEqual([]);
  }, TEST_TIMEOUT);

  it('moves a group past messages its pattern does not match, without a claim and without calling its handler', async () => {
    const { db } = await open();
    const queue = await startQueue(db);
    const quiet: QueueMessage[] = [];
    await queue.subscribe('deploydb.deployment.*', { group: 'deployments' }, async (message) => {
      quiet.push(message);
    });
    const everything = collector();
    await queue.subscribe('deploydb.>', { group: 'everything' }, everything.handler);

    const artifacts = Array.from({ length: 20 }, (_, n) => cloudEvent('deploydb.artifact.created', { n }));
    for (const e of artifacts) await queue.publish(e.type as string, e, { id: e.id as string });
    const last = await maxMessageId(db);

    await eventually(async () => (await positionOf(db, 'deployments|deploydb.deployment.*')) === last, 'the group to move to the end of the log');
    await everything.waitForCount(artifacts.length, WAIT_MS);
    await eventually(async () => (await claimsOf(db, 'everything|deploydb.>')).length === 0, 'the other group to settle');
    await sleep(QUIET_MS);
    expect(quiet).toEqual([]);
    expect(await claimsOf(db, 'deployments|deploydb.deployment.*')).toEqual([]);
    expect(await positionOf(db, 'deployments|deploydb.deployment.*')).toBe(last);
    expect(everything.messages).toHaveLength(artifacts.length);

    // Having skipped them, the group still gets the next message it does match, once.
    const deployment = cloudEvent('deploydb.deployment.created', {});
    await queue.publish(deployment.type as string, deployment, { id: deployment.id as string });
    await eventually(() => quiet.length >= 1, 'the matching message');
    await eventually(async () => (await claimsOf(db, 'deployments|deploydb.deployment.*')).length === 0, 'its claim to be settled');
    await sleep(QUIET_MS);
    expect(quiet.map((m) => [m.id, m.deliveryCount])).toEqual([[deployment.id, 1]]);
    expect(await positionOf(db, 'deployments|deploydb.deployment.*')).toBe(await maxMessageId(db));
  }, TEST_TIMEOUT);

  it('delivers every message published concurrently by two instances exactly once to each group, each key in its publish order', async () => {
    const store = await open();
    // Locks long enough that no claim expires under load: a redelivery would be allowed, but
    // this test is about what the log and the positions lose or duplicate.
    const options = { lockSeconds: 20 };
    const publishers = [
      { name: 'a', queue: await startQueue(store.db, options) },
      { name: 'b', queue: await startQueue(await store.another(), options) },
    ];
    // One consumer per group, a group on each instance: each is woken by its own instance's
    // publishes and finds the other's by polling, so the two take their windows at different moments.
    const groups = await Promise.all(
      publishers.map(async ({ queue }, i) => {
        const group = i === 0 ? 'audit' : 'hooks';
        const received: Array<{ publisher: string; key: string | null; n: number; id: string }> = [];
        await queue.subscribe('deploydb.>', { group }, async (message) => {
          const data = message.event.data as { publisher: string; key: string | null; n: number };
          // Recorded when done, after uneven handler times: handling one key's messages side by
          // side would reorder them.
          await sleep((data.n * 7) % 5);
          received.push({ ...data, id: message.id });
        });
        return { name: `${group}|deploydb.>`, received };
      }),
    );

    const keys = Array.from({ length: 8 }, (_, i) => `deployment-${i}`);
    const rounds = 40;
    const unkeyed = 40;
    const published: string[] = [];
    const publish = (queue: EmbeddedQueue, publisher: string, key: string | null, n: number) => {
      const e = cloudEvent('deploydb.deployment.updated', { publisher, key, n });
      published.push(e.id as string);
      return queue.publish(e.type as string, e, { id: e.id as string, key: key ?? undefined });
    };
    await Promise.all(
      publishers.flatMap(({ name, queue }) => [
        // A key's messages go out two at a time (one tick, one statement), each pair after the last resolved.
        ...keys.map(async (key) => {
          for (let round = 0; round < rounds; round++) {
            await Promise.all([publish(queue, name, key, 2 * round), publish(queue, name, key, 2 * round + 1)]);
          }
        }),
        (async () => {
          for (let n = 0; n < unkeyed; n++) await publish(queue, name, null, n);
        })(),
      ]),
    );
    const total = publishers.length * (keys.length * rounds * 2 + unkeyed);
    expect(published).toHaveLength(total);
    const [log] = await store.db.sql<{ messages: number; ids: number }>(
      `select count(*)::int as messages, count(distinct message_id)::int as ids from queue_message`,
    );
    expect(log).toEqual({ messages: total, ids: total });

    for (const { name, received } of groups) {
      await eventually(() => received.length >= total, () => `${name}: ${total} messages, got ${received.length}`);
      await eventually(async () => (await claimsOf(store.db, name)).length === 0, `${name}: the claims to be settled`);
    }
    await sleep(QUIET_MS);
    const last = await maxMessageId(store.db);
    for (const { name, received } of groups) {
      expect(received, name).toHaveLength(total);
      expect(new Set(received.map((r) => r.id)), name).toEqual(new Set(published));
      for (const publisher of publishers) {
        for (const key of keys) {
          const order = received.filter((r) => r.publisher === publisher.name && r.key === key).map((r) => r.n);
          expect(order, `${name}: ${publisher.name}/${key}`).toEqual(Array.from({ length: rounds * 2 }, (_, n) => n));
        }
      }
      expect(await positionOf(store.db, name)).toBe(last);
    }
  }, TEST_TIMEOUT);

  it.runIf(instancesHaveOwnConnections)(
    'delivers a message whose publish is still committing when another instance publishes, instead of moving past it',
    async () => {
      const store = await open();
      // Holds one publish's transaction open after its row got an id: the moment another
      // instance's publish and a consumer's claim can overtake it.
      await store.db.sql(`create function slow_publish() returns trigger language plpgsql as $$
        begin
          if new.type = 'deploydb.deployment.slow' then perform pg_sleep(1); end if;
          return new;
        end $$`);
      await store.db.sql(`create trigger slow_publish before insert on queue_message for each row execute function slow_publish()`);
      const slowQueue = await startQueue(store.db);
      const fastQueue = await startQueue(await store.another());
      // The consumer is on the fast publisher's instance: its publish wakes it at once.
      const inbox = collector();
      await fastQueue.subscribe('deploydb.deployment.*', { group: 'audit' }, inbox.handler);

      const slow = cloudEvent('deploydb.deployment.slow', {});
      const slowPublished = slowQueue.publish(slow.type, slow, { id: slow.id });
      await eventually(
        async () =>
          (await store.db.sql<{ n: number }>(`select count(*)::int as n from pg_stat_activity where wait_event = 'PgSleep' and datname = current_database()`))[0]
            .n > 0,
        'the slow publish to be inside its transaction',
      );
      const fast = Array.from({ length: 3 }, (_, n) => cloudEvent('deploydb.deployment.created', { n }));
      await Promise.all([slowPublished, ...fast.map((e) => fastQueue.publish(e.type, e, { id: e.id }))]);

      await inbox.waitForCount(4, WAIT_MS);
      await eventually(async () => (await claimsOf(store.db, 'audit|deploydb.deployment.*')).length === 0, 'the claims to be settled');
      await sleep(QUIET_MS);
      expect(inbox.ids().sort()).toEqual([slow, ...fast].map((e) => e.id).sort());
      expect(await positionOf(store.db, 'audit|deploydb.deployment.*')).toBe(await maxMessageId(store.db));
    },
    TEST_TIMEOUT,
  );

  it('takes up to the limit of the oldest unpublished outbox events into the log (as pointers to them), in outbox order, and takes them off the pending list', async () => {
    const { db } = await open();
    const queue = await startQueue(db);
    const inbox = collector();
    await queue.subscribe('deploydb.>', { group: 'relayed' }, inbox.handler);

    const types = ['deploydb.deployment.created', 'deploydb.deployment.started', 'deploydb.promotion.completed', 'deploydb.deployment.completed', 'deploydb.flow.completed'];
    const outbox: Array<{ id: number; eventId: string; type: string; key: string; event: Record<string, unknown> }> = [];
    for (const [n, type] of types.entries()) {
      const event = cloudEvent(type, { n });
      const key = n % 2 === 0 ? 'deployment-even' : 'deployment-odd';
      const [row] = await db.sql<{ id: number }>(
        `insert into outbox_event (event_id, type, order_key, event, created_at)
         values (?::uuid, ?, ?, ?::json, now() - make_interval(secs => ?)) returning id::int as id`,
        [event.id, type, key, JSON.stringify(event), types.length - n],
      );
      outbox.push({ id: row.id, eventId: event.id as string, type, key, event });
    }
    const published = async () =>
      (await db.sql<{ id: number }>(`select id::int as id from outbox_event o where not exists (select 1 from outbox_pending p where p.id = o.id) order by id`)).map((r) => r.id);
    const logged = () =>
      db.sql<{ message_id: string; type: string; order_key: string }>(
        `select o.event_id::text as message_id, m.type, m.order_key from queue_message m join outbox_event o on o.id = m.outbox_id order by m.id`,
      );

    expect(await queue.takeFromOutbox(3)).toBe(3);
    expect(await published()).toEqual(outbox.slice(0, 3).map((o) => o.id));
    expect(await logged()).toEqual(outbox.slice(0, 3).map((o) => ({ message_id: o.eventId, type: o.type, order_key: o.key })));
    await inbox.waitForCount(3, WAIT_MS);

    expect(await queue.takeFromOutbox(3)).toBe(2);
    expect(await published()).toEqual(outbox.map((o) => o.id));
    expect(await logged()).toEqual(outbox.map((o) => ({ message_id: o.eventId, type: o.type, order_key: o.key })));
    expect(await queue.takeFromOutbox(3)).toBe(0);

    await inbox.waitForCount(outbox.length, WAIT_MS);
    await eventually(async () => (await claimsOf(db, 'relayed|deploydb.>')).length === 0, 'the claims to be settled');
    await sleep(QUIET_MS);
    expect(inbox.messages).toHaveLength(outbox.length);
    for (const o of outbox) {
      const message = inbox.messages.find((m) => m.id === o.eventId);
      expect(message, o.eventId).toBeDefined();
      expect(message!.type).toBe(o.type);
      expect(message!.event).toEqual(o.event);
      expect(message!.deliveryCount).toBe(1);
    }
    for (const key of ['deployment-even', 'deployment-odd']) {
      const expected = outbox.filter((o) => o.key === key).map((o) => o.eventId);
      expect(inbox.ids().filter((id) => expected.includes(id))).toEqual(expected);
    }
  }, TEST_TIMEOUT);

  it('upgrades pending deliveries of the old schema to claims that are delivered again, and moves groups to the end of the log', async () => {
    const { db } = await open({ migrate: false });
    await db.orm.getMigrator().up({ to: 'm004_triggers' });
    expect(await tableExists(db, 'queue_delivery')).toBe(true);

    const events = Array.from({ length: 3 }, (_, n) => cloudEvent('deploydb.deployment.created', { n }));
    const ids: number[] = [];
    for (const e of events) {
      const [row] = await db.sql<{ id: number }>(
        `insert into queue_message (message_id, type, order_key, event) values (?, ?, ?, ?::json) returning id::int as id`,
        [e.id, e.type, 'deployment-1', JSON.stringify(e)],
      );
      ids.push(row.id);
    }
    const legacy = 'legacy|deploydb.deployment.*';
    const caughtUp = 'caught-up|deploydb.>';
    for (const [name, pattern] of [
      [legacy, 'deploydb.deployment.*'],
      [caughtUp, 'deploydb.>'],
    ]) {
      await db.sql(`insert into queue_group (name, pattern, pattern_regex) values (?, ?, ?)`, [name, pattern, subjectPatternRegex(pattern)]);
    }
    // The first and last message were delivered and acknowledged (no row left); the second was
    // delivered twice, failed, and waits for its next attempt.
    await db.sql(
      `insert into queue_delivery (group_name, message_id, attempts, available_at, locked_until)
       values (?, ?, 2, now() + interval '1 second', null)`,
      [legacy, ids[1]],
    );

    expect(await db.migrate()).toContain('m005_queue_claims');

    expect(await tableExists(db, 'queue_delivery')).toBe(false);
    const last = ids[ids.length - 1];
    expect(await maxMessageId(db)).toBe(last);
    expect(await claimsOf(db, legacy)).toEqual([{ after_id: ids[1] - 1, upto_id: ids[1], attempts: 2, locked: false }]);
    expect(await claimsOf(db, caughtUp)).toEqual([]);
    expect(await positionOf(db, legacy)).toBe(last);
    expect(await positionOf(db, caughtUp)).toBe(last);

    const queue = await startQueue(db);
    const inbox = collector();
    const caughtUpInbox = collector();
    await queue.subscribe('deploydb.deployment.*', { group: 'legacy' }, inbox.handler);
    await queue.subscribe('deploydb.>', { group: 'caught-up' }, caughtUpInbox.handler);
    await inbox.waitForCount(1, WAIT_MS);
    await eventually(async () => (await claimsOf(db, legacy)).length === 0, 'the upgraded claim to be settled');
    await sleep(QUIET_MS);
    expect(inbox.messages.map((m) => [m.id, m.deliveryCount])).toEqual([[events[1].id, 3]]);
    expect(inbox.messages[0].event).toEqual(events[1]);
    expect(caughtUpInbox.messages).toEqual([]);
    expect(await positionOf(db, legacy)).toBe(last);
  }, TEST_TIMEOUT);
}

async function maxMessageId(db: Database): Promise<number> {
  const [row] = await db.sql<{ id: number | null }>(`select max(id)::int as id from queue_message`);
  return row.id ?? 0;
}

async function positionOf(db: Database, group: string): Promise<number | null> {
  const [row] = await db.sql<{ position: number }>(`select position::int as position from queue_group where name = ?`, [group]);
  return row ? row.position : null;
}

async function claimsOf(db: Database, group: string) {
  return db.sql<{ after_id: number; upto_id: number; attempts: number; locked: boolean }>(
    `select after_id::int as after_id, upto_id::int as upto_id, attempts, coalesce(locked_until > now(), false) as locked
       from queue_claim where group_name = ? order by upto_id`,
    [group],
  );
}

async function tableExists(db: Database, table: string): Promise<boolean> {
  const [row] = await db.sql<{ present: boolean }>(`select to_regclass(?::text) is not null as present`, [table]);
  return row.present;
}

/** Waits for what a test expects, up to {@link WAIT_MS}. */
function eventually(condition: () => boolean | Promise<boolean>, what: string | (() => string)): Promise<void> {
  return waitUntil(condition, WAIT_MS, what);
}
