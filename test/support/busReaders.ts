/**
 * Reading DeployDB's events off the bus independently of DeployDB (a NATS client of our own on
 * the test's JetStream stream, ioredis on the test's Redis stream, a consumer group of our own on
 * the embedded queue), and the checks every bus test makes: the CloudEvent envelope of
 * CONTRACT §5, ids unique, the same events as the outbox, one deployment's events in order.
 */
import { randomUUID } from 'node:crypto';
import { connect, headers as natsHeaders } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Redis } from 'ioredis';
import { expect } from 'vitest';
import type { QueueProvider } from '@deploydb/core';
import { dropTestDatabase, serviceUrls, type TestKernel } from '@deploydb/core/testing';

/** A CloudEvent as DeployDB publishes it. */
export interface BusCloudEvent {
  specversion: string;
  id: string;
  source: string;
  type: string;
  time: string;
  subject: string;
  datacontenttype: string;
  data: any;
}

/** One message read off the bus, in bus order. */
export interface BusMessage {
  /** The message id the bus carries (NATS `Nats-Msg-Id`, the Redis `id` field, the embedded queue's id). */
  messageId: string | undefined;
  /** The type the bus carries (the NATS subject without the prefix, the Redis `type` field). */
  type: string;
  event: BusCloudEvent;
  /** Where it came from, for the provider's own checks. */
  raw: Record<string, unknown>;
}

/** An outbox row. */
export interface OutboxRow {
  id: number;
  eventId: string;
  type: string;
  orderKey: string;
  /** Taken off `outbox_pending`: handed to the bus. */
  published: boolean;
  event: BusCloudEvent;
}

export const TRIGGER_PREFIX = 'deploydb.trigger.';

/** Retries `check` until it stops throwing, for at most `ms`; then throws its last error. */
export async function eventually<T>(check: () => Promise<T>, ms = 20_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}

/** A short tag for the names of one test file's streams and keys. */
export function uniqueTag(): string {
  return randomUUID().replace(/-/g, '').slice(0, 10);
}

/** The `queue:` section of deploydb.yaml for a plugin and its config. */
export function queueYaml(plugin: string, config: Record<string, unknown>): string {
  return `queue:\n  plugin: "${plugin}"\n  config: ${JSON.stringify(config)}\n`;
}

// ---------------------------------------------------------------------------------------------
// The outbox

const OUTBOX_ROWS = `select id::text as id, event_id::text as event_id, type, order_key, event,
  not exists (select 1 from outbox_pending p where p.id = o.id) as published from outbox_event o order by o.id`;

/** The outbox, oldest first, each event with whether it was published. */
export async function outboxRows(t: TestKernel): Promise<OutboxRow[]> {
  const rows = await t.kernel.db.sql<Record<string, unknown>>(
    OUTBOX_ROWS,
  );
  return rows.map(toOutboxRow);
}

/** The same, through a connection of our own (for a DeployDB running in another process). */
export async function outboxRowsAt(databaseUrl: string): Promise<OutboxRow[]> {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(OUTBOX_ROWS);
    return rows.map(toOutboxRow);
  } finally {
    await client.end();
  }
}

function toOutboxRow(row: Record<string, unknown>): OutboxRow {
  const event = typeof row.event === 'string' ? JSON.parse(row.event) : row.event;
  return {
    id: Number(row.id),
    eventId: String(row.event_id),
    type: String(row.type),
    orderKey: String(row.order_key),
    published: row.published === true,
    event: event as BusCloudEvent,
  };
}

// ---------------------------------------------------------------------------------------------
// Checks

const SUBJECTS: Record<string, (data: any) => string> = {
  'deploydb.artifact.created': (data) => `artifacts/${data.id}`,
  'deploydb.deployment.created': (data) => `deployments/${data.id}`,
  'deploydb.deployment.started': (data) => `deployments/${data.id}`,
  'deploydb.deployment.completed': (data) => `deployments/${data.id}`,
  'deploydb.deployment.verified': (data) => `deployments/${data.id}`,
  'deploydb.deployment.failed': (data) => `deployments/${data.id}`,
  'deploydb.promotion.completed': (data) => `deployments/${data.deployment.id}/promotions/${data.promotionResult.id}`,
  'deploydb.flow.completed': (data) => `flows/${data.id}`,
};

/** Checks one event's CloudEvent envelope and its subject against CONTRACT §5. */
export function expectEnvelope(event: BusCloudEvent): void {
  const where = `${event?.type} ${event?.id}`;
  expect(Object.keys(event).sort(), where).toEqual(['data', 'datacontenttype', 'id', 'source', 'specversion', 'subject', 'time', 'type']);
  expect(event.specversion, where).toBe('1.0');
  expect(event.source, where).toBe('deploydb');
  expect(event.datacontenttype, where).toBe('application/json');
  expect(event.id, where).toEqual(expect.any(String));
  expect(event.id.length, where).toBeGreaterThan(0);
  expect(event.time, where).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
  expect(Number.isNaN(Date.parse(event.time)), where).toBe(false);
  const subjectOf = SUBJECTS[event.type];
  expect(subjectOf, `unknown event type ${where}`).toBeDefined();
  expect(event.subject, where).toBe(subjectOf!(event.data));
  if (event.type.startsWith('deploydb.deployment.')) {
    // The data is the deployment as it was at that change.
    expect(event.data.status, where).toBe(event.type.slice('deploydb.deployment.'.length).toUpperCase());
  }
  if (event.type === 'deploydb.promotion.completed') expect(['SUCCESS', 'FAILED'], where).toContain(event.data.promotionResult.status);
  if (event.type === 'deploydb.flow.completed') expect(['SUCCESS', 'FAILED'], where).toContain(event.data.status);
}

/** The ordering group of an event: its deployment, flow or artifact. */
export function groupOf(event: BusCloudEvent): string {
  const [kind, id] = event.subject.split('/');
  return `${kind}/${id}`;
}

/**
 * The bus carries exactly the outbox's events: every event once by id, nothing else, and one
 * deployment's (flow's, artifact's) events in the order the outbox stored them.
 */
export function expectBusMatchesOutbox(bus: BusMessage[], outbox: Array<Pick<OutboxRow, 'eventId' | 'event'>>): void {
  const ids = bus.map((m) => m.event.id);
  const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
  expect(repeated, 'event ids published more than once').toEqual([]);
  expect([...ids].sort()).toEqual(outbox.map((r) => r.event.id).sort());
  for (const message of bus) expect(message.event, `bus message ${message.messageId}`).toEqual(outbox.find((r) => r.eventId === message.event.id)!.event);
  // Soft, so that a test goes on to report what else is wrong after an order violation.
  expect.soft(sequencesByGroup(bus.map((m) => m.event)), 'each group in the order the outbox stored it').toEqual(sequencesByGroup(outbox.map((r) => r.event)));
  expectLifecycleOrder(bus.map((m) => m.event));
}

const LIFECYCLE_RANK: Record<string, number> = {
  'deploydb.deployment.created': 0,
  'deploydb.deployment.started': 1,
  'deploydb.deployment.completed': 2,
  'deploydb.promotion.completed': 3,
  'deploydb.deployment.verified': 4,
  'deploydb.deployment.failed': 4,
};

/**
 * One deployment's events in the order things happen to it (CONTRACT §3), whatever the outbox
 * says: created, then started, completed, its promotions' results, and verified or failed last.
 */
export function expectLifecycleOrder(events: BusCloudEvent[]): void {
  const byDeployment: Record<string, string[]> = {};
  for (const event of events) {
    if (event.subject.startsWith('deployments/')) (byDeployment[groupOf(event)] ??= []).push(event.type);
  }
  const outOfOrder = Object.entries(byDeployment)
    .filter(([, types]) => types.some((type, i) => i > 0 && LIFECYCLE_RANK[type]! < LIFECYCLE_RANK[types[i - 1]!]!))
    .map(([group, types]) => `${group}: ${types.map((t) => t.replace(/^deploydb\./, '')).join(', ')}`);
  expect.soft(outOfOrder, 'deployments whose events reached the bus out of lifecycle order').toEqual([]);
}

/** Events per ordering group, in the order given, as `type id`. */
export function sequencesByGroup(events: BusCloudEvent[]): Record<string, string[]> {
  const groups: Record<string, string[]> = {};
  for (const event of events) (groups[groupOf(event)] ??= []).push(`${event.type.replace(/^deploydb\./, '')} ${event.id}`);
  return groups;
}

/** Event types per deployment (promotion events included), in the order given, without `deploydb.`. */
export function typesByDeployment(events: BusCloudEvent[]): Record<string, string[]> {
  const groups: Record<string, string[]> = {};
  for (const event of events) {
    if (!event.subject.startsWith('deployments/')) continue;
    (groups[groupOf(event)] ??= []).push(event.type.replace(/^deploydb\./, ''));
  }
  return groups;
}

// ---------------------------------------------------------------------------------------------
// NATS JetStream

export interface NatsBusConfig {
  servers: string;
  stream: string;
  subjectPrefix: string;
  [key: string]: unknown;
}

/** A queue-nats config with a stream and subject prefix of its own. */
export function natsBusConfig(tag: string, extra: Record<string, unknown> = {}): NatsBusConfig {
  return { servers: serviceUrls.nats, stream: `DEPLOYDB_BUS_${tag}`, subjectPrefix: `bus${tag}.`, retryDelay: 0.2, ...extra };
}

export interface NatsStreamMessage {
  seq: number;
  subject: string;
  headers: Record<string, string>;
  data: string;
}

/**
 * Every message of a stream, in stream order, read with an ordered consumer of our own (nothing
 * DeployDB created). Bounded by `timeoutMs`.
 */
export async function readNatsStream(stream: string, timeoutMs = 10_000, servers: string = serviceUrls.nats): Promise<NatsStreamMessage[]> {
  const nc = await connect({ servers, timeout: 5000, reconnect: false });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(stream);
    const last = info.state.last_seq;
    if (info.state.messages === 0) return [];
    const consumer = await jetstream(nc).consumers.get(stream, {});
    const messages = await consumer.consume({ max_messages: 256 });
    const timer = setTimeout(() => void messages.close(), timeoutMs);
    const out: NatsStreamMessage[] = [];
    try {
      for await (const msg of messages) {
        const headers: Record<string, string> = {};
        for (const [name, values] of msg.headers ?? []) headers[name] = values[0] ?? '';
        out.push({ seq: msg.seq, subject: msg.subject, headers, data: msg.string() });
        if (msg.seq >= last) break;
      }
    } finally {
      clearTimeout(timer);
      await messages.close().catch(() => undefined);
    }
    if (out.at(-1)?.seq !== last) throw new Error(`read ${out.length} messages of stream ${stream} up to seq ${out.at(-1)?.seq}, expected up to ${last}`);
    return out;
  } finally {
    await nc.close().catch(() => undefined);
  }
}

/**
 * DeployDB's events on a NATS stream (triggers left out), checking what NATS carries: subject =
 * prefix + type, `Nats-Msg-Id` = event id, `DeployDB-Key` set.
 */
export async function natsBusEvents(config: NatsBusConfig): Promise<BusMessage[]> {
  const raw = await readNatsStream(config.stream, 10_000, config.servers);
  return raw
    .map((m): BusMessage => {
      expect(m.subject.startsWith(config.subjectPrefix), m.subject).toBe(true);
      return {
        messageId: m.headers['Nats-Msg-Id'],
        type: m.subject.slice(config.subjectPrefix.length),
        event: JSON.parse(m.data) as BusCloudEvent,
        raw: { ...m },
      };
    })
    .filter((m) => !m.type.startsWith(TRIGGER_PREFIX));
}

/** Publishes a payload on the test's stream with our own client, as another system would. */
export async function publishNats(subject: string, payload: unknown, msgId: string): Promise<void> {
  const nc = await connect({ servers: serviceUrls.nats, timeout: 5000, reconnect: false });
  try {
    const h = natsHeaders();
    h.set('Nats-Msg-Id', msgId);
    await jetstream(nc).publish(subject, JSON.stringify(payload), { headers: h, timeout: 5000 });
  } finally {
    await nc.close().catch(() => undefined);
  }
}

export async function deleteNatsStream(stream: string): Promise<void> {
  const nc = await connect({ servers: serviceUrls.nats, timeout: 5000, reconnect: false });
  try {
    await (await jetstreamManager(nc)).streams.delete(stream).catch(() => undefined);
  } finally {
    await nc.close().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// Redis Streams

export interface RedisBusConfig {
  url: string;
  stream: string;
  triggerStream: string;
  [key: string]: unknown;
}

/** The key prefix of a tag's streams. */
export const redisPrefix = (tag: string) => `deploydb-bus-test:${tag}`;

/** A queue-redis config with streams of its own. */
export function redisBusConfig(tag: string, extra: Record<string, unknown> = {}): RedisBusConfig {
  return { url: serviceUrls.redis, stream: `${redisPrefix(tag)}:events`, triggerStream: `${redisPrefix(tag)}:triggers`, blockMs: 200, retryDelay: 0.2, ...extra };
}

/** Runs `fn` with a Redis connection of our own that gives up at once when Redis is away. */
export async function withRedis<T>(fn: (redis: Redis) => Promise<T>, url: string = serviceUrls.redis): Promise<T> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  redis.on('error', () => undefined);
  await redis.connect();
  try {
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

/** Every entry of a Redis stream (XRANGE - +), fields as an object. */
export function readRedisStream(stream: string, url: string = serviceUrls.redis): Promise<Array<{ entry: string; fields: Record<string, string> }>> {
  return withRedis(async (redis) => {
    const entries = await redis.xrange(stream, '-', '+');
    return entries.map(([entry, flat]) => {
      const fields: Record<string, string> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
      return { entry, fields };
    });
  }, url);
}

/** DeployDB's events on the Redis events stream, checking the fields `type` and `event`. */
export async function redisBusEvents(config: RedisBusConfig): Promise<BusMessage[]> {
  const entries = await readRedisStream(config.stream, config.url);
  return entries.map(({ entry, fields }) => {
    expect(fields.type, `entry ${entry}`).toEqual(expect.any(String));
    expect(fields.event, `entry ${entry}`).toEqual(expect.any(String));
    const event = JSON.parse(fields.event!) as BusCloudEvent;
    expect(fields.type, `entry ${entry}`).toBe(event.type);
    return { messageId: fields.id, type: fields.type!, event, raw: { entry, ...fields } };
  });
}

/** Deletes every key under a tag's prefix (streams, dedup markers). */
export function deleteRedisKeys(tag: string): Promise<void> {
  return withRedis(async (redis) => {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix(tag)}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  });
}

// ---------------------------------------------------------------------------------------------
// The embedded queue

/** A consumer group of our own on a kernel's queue, recording every message in arrival order. */
export async function recordQueue(queue: QueueProvider, group = 'test-reader'): Promise<{ messages: BusMessage[]; close(): Promise<void> }> {
  const messages: BusMessage[] = [];
  const subscription = await queue.subscribe('deploydb.>', { group }, async (message) => {
    messages.push({ messageId: message.id, type: message.type, event: message.event as unknown as BusCloudEvent, raw: { deliveryCount: message.deliveryCount } });
  });
  return { messages, close: () => subscription.close() };
}

/** A trigger CloudEvent (CONTRACT §6) with a fresh id. */
export function triggerEvent(type: string, data: unknown): { specversion: '1.0'; id: string; source: string; type: string; datacontenttype: string; data: unknown } {
  return {
    specversion: '1.0',
    id: `bus-trigger-${randomUUID()}`,
    source: 'https://ci.acme.test/bus-tests',
    type: `${TRIGGER_PREFIX}${type}`,
    datacontenttype: 'application/json',
    data,
  };
}

/**
 * `t.destroy()`, bounded: a kernel that does not stop within `ms` fails the hook, and its folder
 * and database are removed anyway, so one stuck test leaves nothing behind.
 */
export async function destroyWithin(t: TestKernel | undefined, ms = 30_000, ownsDatabase = true): Promise<void> {
  if (!t) return;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  const outcome = await Promise.race([t.destroy().then(() => 'done' as const), timedOut]).finally(() => clearTimeout(timer));
  if (outcome === 'done') return;
  const fs = await import('node:fs');
  fs.rmSync(t.dir, { recursive: true, force: true });
  if (ownsDatabase && t.databaseUrl) await dropTestDatabase(t.databaseUrl).catch(() => undefined);
  throw new Error(`the kernel did not stop within ${ms} ms`);
}
