/**
 * One bus, two installations (CONTRACT §15): two DeployDB installations (two kernels, two
 * databases) with the default queue settings on one NATS server, or one Redis server, each with a
 * webhook receiver. Each receiver gets exactly its installation's events; the first installation
 * keeps the names of §5 (claiming a stream that was there unowned), the second derives its own;
 * triggers reach the installation whose stream they are published to; and an installation
 * configured with a stream another installation owns refuses to start, naming it.
 *
 * The default names are the point here, so each broker is a server of the test's own (on the
 * shared servers, anything else may be using `DEPLOYDB` or `deploydb:events`).
 */
import { randomUUID } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager, StorageType } from '@nats-io/jetstream';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PluginDefinition } from '@deploydb/core';
import { POSTGRES, servicesAvailable, type TestKernel } from '@deploydb/core/testing';
import { startReceiver, type TestReceiver } from '../core/src/events/webhooks/testSupport.js';
import manual from '../plugins/promotion-manual/src/index.js';
import natsQueue from '../plugins/queue-nats/src/index.js';
import redisQueue from '../plugins/queue-redis/src/index.js';
import { LEDGER_CONFIG, TOKENS, newArtifact, startLedger } from './support/fixtures.js';
import { outboxRows, queueYaml, triggerEvent } from './support/busReaders.js';
import { privateBrokerAvailable, startPrivateBroker, type BrokerKind, type PrivateBroker } from './support/privateBrokers.js';

const database = (await servicesAvailable(POSTGRES)) ? 'postgres' : 'embedded';

/** What the test reads off each kind of bus, with a client of its own. */
interface BusView {
  /** The event ids a stream holds, in order. */
  eventIds(stream: string): Promise<string[]>;
  /** The consumer groups reading a stream. */
  groups(stream: string): Promise<string[]>;
  /** The installation recorded as the stream's owner. */
  owner(stream: string): Promise<string | undefined>;
  /** Publishes a trigger CloudEvent as CI would, to the default names or another installation's. */
  publishTrigger(event: ReturnType<typeof triggerEvent>, names: { stream: string; subjectPrefix?: string }): Promise<void>;
  /** Makes the default stream exist, unowned, before any installation starts. */
  precreate(): Promise<void>;
  close(): Promise<void>;
}

async function natsView(url: string): Promise<BusView> {
  const nc = await connect({ servers: url });
  const jsm = await jetstreamManager(nc);
  const js = jsm.jetstream();
  return {
    async eventIds(stream) {
      const info = await jsm.streams.info(stream);
      const ids: string[] = [];
      for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
        const message = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
        if (message) ids.push((message.json() as { id: string }).id);
      }
      return ids;
    },
    async groups(stream) {
      const names: string[] = [];
      for await (const consumer of jsm.consumers.list(stream)) names.push(consumer.name);
      return names;
    },
    async owner(stream) {
      return /installation ([0-9a-f-]{36})/.exec((await jsm.streams.info(stream)).config.description ?? '')?.[1];
    },
    async publishTrigger(event, names) {
      await js.publish(`${names.subjectPrefix ?? ''}${event.type}`, JSON.stringify(event), { msgID: event.id });
    },
    async precreate() {
      await jsm.streams.add({ name: 'DEPLOYDB', subjects: ['deploydb.>'], storage: StorageType.File });
    },
    close: () => nc.close(),
  };
}

async function redisView(url: string): Promise<BusView> {
  const redis = new Redis(url);
  const triggers = (stream: string) => stream.replace(/:events$/, ':triggers');
  return {
    async eventIds(stream) {
      const entries = await redis.xrange(stream, '-', '+');
      return entries.map(([, fields]) => fields[fields.indexOf('id') + 1]!);
    },
    async groups(stream) {
      const groups = (await redis.call('XINFO', 'GROUPS', stream)) as unknown[][];
      return groups.map((fields) => String(fields[fields.indexOf('name') + 1]));
    },
    async owner(stream) {
      return (await redis.get(`${stream}:owner`)) ?? undefined;
    },
    async publishTrigger(event, names) {
      await redis.xadd(triggers(names.stream), '*', 'type', event.type, 'event', JSON.stringify(event), 'id', event.id);
    },
    async precreate() {
      // Of a type no DeployDB subscription matches: it only makes the stream exist.
      await redis.xadd('deploydb:events', '*', 'type', 'precreated.entry', 'event', '{}', 'id', randomUUID());
    },
    async close() {
      redis.disconnect();
    },
  };
}

const BROKERS: Array<{ kind: BrokerKind; plugin: string; definition: PluginDefinition; defaultStream: string; configOf: (url: string) => Record<string, unknown> }> = [
  { kind: 'nats', plugin: '@deploydb/queue-nats', definition: natsQueue, defaultStream: 'DEPLOYDB', configOf: (url) => ({ servers: url, retryDelay: 0.2 }) },
  { kind: 'redis', plugin: '@deploydb/queue-redis', definition: redisQueue, defaultStream: 'deploydb:events', configOf: (url) => ({ url, blockMs: 200, retryDelay: 0.2 }) },
];

describe.each(BROKERS.filter((b) => privateBrokerAvailable(b.kind)))('two installations on one $kind server', ({ kind, plugin, definition, defaultStream, configOf }) => {
  let broker: PrivateBroker;
  let bus: BusView;
  const receivers: TestReceiver[] = [];
  const kernels: TestKernel[] = [];
  let first: TestKernel;
  let second: TestKernel;

  const plugins = { '@deploydb/promotion-manual': manual, [plugin]: definition };
  /** Each kernel's deploydb.yaml, to start it again. */
  const configs = new Map<TestKernel, string>();

  /** An installation: a kernel on a database of its own, the queue config given, a webhook receiver. */
  async function installation(queueConfig: Record<string, unknown>): Promise<{ t: TestKernel; receiver: TestReceiver }> {
    const receiver = await startReceiver();
    receivers.push(receiver);
    const config = `${queueYaml(plugin, queueConfig)}${LEDGER_CONFIG}\nwebhooks:\n  - url: "${receiver.url}"\n`;
    const t = await startLedger(database, { config, plugins });
    kernels.push(t);
    configs.set(t, config);
    return { t, receiver };
  }

  let firstReceiver: TestReceiver;
  let secondReceiver: TestReceiver;

  beforeAll(async () => {
    broker = await startPrivateBroker(kind);
    bus = kind === 'nats' ? await natsView(broker.url) : await redisView(broker.url);
    await bus.precreate();
    ({ t: first, receiver: firstReceiver } = await installation(configOf(broker.url)));
    ({ t: second, receiver: secondReceiver } = await installation(configOf(broker.url)));
  }, 120_000);
  afterAll(async () => {
    for (const t of kernels.reverse()) await t.destroy().catch(() => undefined);
    for (const receiver of receivers) await receiver.close();
    await bus?.close();
    await broker?.stop();
  }, 60_000);

  const health = async (t: TestKernel) => (await t.request('GET', '/health')).body;
  const derivedStream = (t: TestKernel) => {
    const tag = t.kernel.installationId.replace(/-/g, '').slice(0, 12);
    return kind === 'nats' ? { stream: `DEPLOYDB_${tag.toUpperCase()}`, subjectPrefix: `${tag}.` } : { stream: `deploydb:${tag}:events` };
  };

  it('keeps the default names for the first installation (claiming the unowned stream) and derives others for the second', async () => {
    expect(first.kernel.installationId).not.toBe(second.kernel.installationId);
    expect(await bus.owner(defaultStream)).toBe(first.kernel.installationId);
    expect(await bus.owner(derivedStream(second).stream)).toBe(second.kernel.installationId);
    const [one, two] = [await health(first), await health(second)];
    expect(one.installationId).toBe(first.kernel.installationId);
    expect(one.checks.queue).toMatchObject({ status: 'ok', detail: expect.stringContaining(defaultStream) });
    expect(one.checks.queue.detail).not.toContain('derived');
    expect(two.installationId).toBe(second.kernel.installationId);
    expect(two.checks.queue.detail).toContain(derivedStream(second).stream);
    expect(two.checks.queue.detail).toContain(`belongs to installation ${first.kernel.installationId}`);
  });

  it("delivers each installation's events to its own webhook receiver, and to no other", async () => {
    const register = (t: TestKernel, module: string) =>
      t.request('POST', '/api/artifacts', newArtifact(module), { token: TOKENS.ci }).then((r) => expect(r.status, JSON.stringify(r.body)).toBe(201));
    await register(first, 'com.acme:foas');
    await register(second, 'com.acme:billing');
    await register(first, 'com.acme:puppet-foas');
    await register(second, 'com.acme:foas');

    const idsOf = async (t: TestKernel) => (await outboxRows(t)).map((row) => row.eventId).sort();
    const expectedFirst = await idsOf(first);
    const expectedSecond = await idsOf(second);
    expect(expectedFirst.length).toBeGreaterThan(0);
    expect(expectedSecond.length).toBeGreaterThan(0);
    const received = (receiver: TestReceiver) => receiver.received.map((r) => (JSON.parse(r.body) as { id: string }).id).sort();
    await vi.waitFor(() => expect(received(firstReceiver)).toEqual(expectedFirst), { timeout: 20_000, interval: 100 });
    await vi.waitFor(() => expect(received(secondReceiver)).toEqual(expectedSecond), { timeout: 20_000, interval: 100 });
    // Nothing more arrives later: no event went to both.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(received(firstReceiver)).toEqual(expectedFirst);
    expect(received(secondReceiver)).toEqual(expectedSecond);

    // On the bus, each stream holds its installation's events only.
    expect((await bus.eventIds(defaultStream)).filter((id) => expectedSecond.includes(id))).toEqual([]);
    expect((await bus.eventIds(derivedStream(second).stream)).sort()).toEqual(expectedSecond);
    // And every consumer group on a stream is its installation's.
    for (const [t, stream] of [
      [first, defaultStream],
      [second, derivedStream(second).stream],
    ] as const) {
      const tag = t.kernel.installationId.replace(/-/g, '').slice(0, 12);
      const groups = await bus.groups(stream);
      expect(groups.length, `groups of ${stream}`).toBeGreaterThan(0);
      for (const group of groups) expect(group, `a group of ${stream}`).toContain(tag);
    }
  });

  it('applies a trigger from the bus in the installation whose stream it was published to, only', async () => {
    const forFirst = triggerEvent('artifact.available', newArtifact('com.acme:foas'));
    const forSecond = triggerEvent('artifact.available', newArtifact('com.acme:foas'));
    await bus.publishTrigger(forFirst, { stream: defaultStream });
    await bus.publishTrigger(forSecond, derivedStream(second));
    const versions = async (t: TestKernel, version: string) =>
      (await t.request('GET', `/api/artifacts?q=${encodeURIComponent(version)}`, undefined, { token: TOKENS.reader })).body.items.length;
    const firstVersion = (forFirst.data as { version: string }).version;
    const secondVersion = (forSecond.data as { version: string }).version;
    await vi.waitFor(async () => expect(await versions(first, firstVersion)).toBe(1), { timeout: 20_000, interval: 100 });
    await vi.waitFor(async () => expect(await versions(second, secondVersion)).toBe(1), { timeout: 20_000, interval: 100 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await versions(second, firstVersion)).toBe(0);
    expect(await versions(first, secondVersion)).toBe(0);
  });

  it('refuses to start with a configured stream that another installation owns, naming it', async () => {
    const explicit = kind === 'nats' ? { ...configOf(broker.url), stream: 'DEPLOYDB' } : { ...configOf(broker.url), stream: 'deploydb:events' };
    const start = installation(explicit);
    await expect(start).rejects.toThrow(`belongs to DeployDB installation ${first.kernel.installationId}`);
    await expect(start).rejects.toThrow(/queue\.config\.stream/);
  });

  it('keeps its names across a restart of the same installation', async () => {
    await first.stop();
    const again = await startLedger(database, { reuse: first, config: configs.get(first)!, plugins });
    kernels.push(again);
    expect(again.kernel.installationId).toBe(first.kernel.installationId);
    expect((await health(again)).checks.queue.detail).not.toContain('derived');
    expect(await bus.owner(defaultStream)).toBe(first.kernel.installationId);
  });
});
