import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { assertPattern, assertSubject, KeyedRunner, subjectMatches, withTimeout, exponentialDelay } from '@deploydb/core';
import type { HealthCheck, Logger, PublishOptions, QueueMessage, QueueProvider, SubscribeOptions, Subscription } from '@deploydb/core';
import type { RedisQueueConfig } from './configSchema.js';
import { patternMayMatchUnder, patternOnlyUnder } from './subjects.js';
import {
  CLAIM_SCRIPT,
  DEFAULT_STREAM,
  DEFAULT_TRIGGER_STREAM,
  StreamOwnedElsewhere,
  derivedNames,
  entryBefore,
  installationTag,
  ownerKey,
  type StreamNames,
} from './ownership.js';

/** Types under this prefix go to the trigger stream. */
export const TRIGGER_PREFIX = 'deploydb.trigger.';
const TRIGGER_TOKENS = ['deploydb', 'trigger'] as const;
const MAX_RETRY_DELAY_MS = 300_000;
const HEALTH_TIMEOUT_MS = 1000;
const QUIT_TIMEOUT_MS = 5000;
/** How long a start waits for a Redis that does not answer yet, and how often it tries meanwhile. */
const START_PATIENCE_MS = 30_000;
const START_RETRY_MS = 500;

/**
 * Appends an entry unless its event id was published within the duplicate window. Atomic, so two
 * publishers racing with one id still store it once. The marker remembers the entry id.
 * KEYS: stream, marker. ARGV: window in ms, max length (0: no trim), then field/value pairs.
 */
const PUBLISH_SCRIPT = `
if redis.call('EXISTS', KEYS[2]) == 1 then
  return false
end
local entry
if tonumber(ARGV[2]) > 0 then
  entry = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 3))
else
  entry = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 3))
end
redis.call('SET', KEYS[2], entry, 'PX', ARGV[1])
return entry
`;

interface PublishCommand {
  deploydbPublish(stream: string, marker: string, windowMs: number, maxLen: number, ...fields: string[]): Promise<string | null>;
}

interface ClaimCommand {
  deploydbClaim(streams: number, ...keysThenInstallation: string[]): Promise<[number, string] | null>;
}

/** What the kernel tells a provider besides its config. */
export interface RedisProviderOptions {
  /**
   * The installation this provider serves. With it, the streams are claimed for the installation
   * and consumer groups are named after it; without it (a provider made outside a kernel), neither.
   */
  installationId?: string;
}

/** Why the streams have the names they have: configured, the defaults, or derived (the defaults belong to another installation). */
type NamesOrigin = { kind: 'configured' | 'defaults' } | { kind: 'derived'; defaultOwner: string };

type Handler = (message: QueueMessage) => Promise<void>;

/**
 * A `QueueProvider` over Redis Streams: events go to one stream (triggers to another) with the
 * fields `type`, `event` (the JSON) and `id`; each subscription group is a consumer group.
 *
 * One installation, its own streams: a key next to each stream (`<stream>:owner`) names the
 * installation that owns it (the first to use it). A start that finds a configured stream owned
 * by another installation fails, naming it; with the default names, a second installation
 * derives names of its own.
 */
export class RedisQueueProvider implements QueueProvider {
  private main: Redis | undefined;
  private readonly subscriptions = new Set<RedisSubscription>();
  private down = false;
  private readonly installationId: string | undefined;
  private names: StreamNames;
  private origin: NamesOrigin;

  constructor(
    private readonly config: RedisQueueConfig,
    private readonly logger: Logger,
    options: RedisProviderOptions = {},
  ) {
    this.installationId = options.installationId;
    const configured = config.stream !== undefined || config.triggerStream !== undefined;
    this.names = { stream: config.stream ?? DEFAULT_STREAM, triggerStream: config.triggerStream ?? DEFAULT_TRIGGER_STREAM };
    this.origin = { kind: configured ? 'configured' : 'defaults' };
  }

  /** The streams in use (known for sure once started). */
  get streamNames(): StreamNames {
    return { ...this.names };
  }

  /** Connects; ioredis reconnects by itself afterwards, with backoff, forever. */
  async start(): Promise<void> {
    if (this.main) return;
    const main = new Redis(this.config.url, {
      lazyConnect: true,
      connectionName: 'deploydb',
      // A publish fails soon while the server is away, so the outbox relay can retry it later.
      maxRetriesPerRequest: 2,
      retryStrategy: (attempt) => exponentialDelay(attempt + 1, 100, 5000),
    });
    main.defineCommand('deploydbPublish', { numberOfKeys: 2, lua: PUBLISH_SCRIPT });
    main.defineCommand('deploydbClaim', { lua: CLAIM_SCRIPT });
    main.on('error', (error: Error) => {
      if (!this.down) this.logger.warn({ err: error.message }, 'Redis connection error');
    });
    main.on('close', () => {
      if (this.main === main && !this.down) {
        this.down = true;
        this.logger.warn({}, 'disconnected from Redis; reconnecting');
      }
    });
    main.on('ready', () => {
      if (this.down) {
        this.logger.info({}, 'reconnected to Redis');
        // A server that came back without its data lost the owner keys too: record them again.
        void this.claimStreams(main, true).catch((error: unknown) => this.logger.error({ err: errorText(error) }, 'could not claim the streams again after a reconnect'));
      }
      this.down = false;
    });
    // Redis away at start (restarting, say) is waited for, a bounded time: instances of one
    // installation start while its broker restarts, and should not die of it.
    const deadline = Date.now() + START_PATIENCE_MS;
    for (;;) {
      try {
        if (main.status === 'wait' || main.status === 'end') await main.connect();
        else await waitForReady(main, Math.max(0, deadline - Date.now()));
        await this.claimStreams(main);
        break;
      } catch (error) {
        // A refusal from a server that answers (the streams owned by another installation) is final.
        const unreachable = main.status !== 'ready';
        if (!unreachable || Date.now() >= deadline) {
          main.disconnect();
          throw error;
        }
        this.logger.warn({ err: errorText(error) }, 'Redis is not reachable yet; trying again');
        await new Promise((resolve) => setTimeout(resolve, START_RETRY_MS));
      }
    }
    this.main = main;
    this.logger.info({ ...this.names, installationId: this.installationId }, 'connected to Redis');
  }

  /**
   * Settles which streams this installation uses and records it as their owner. With the default
   * names already owned by another installation, takes names derived from its own id (logged
   * loudly, shown by `health`); configured names owned by another fail the start.
   */
  private async claimStreams(main: Redis, again = false): Promise<void> {
    const installationId = this.installationId;
    if (!installationId) return;
    const claim = async () => {
      const streams = [this.names.stream, this.names.triggerStream];
      const refused = await (main as unknown as ClaimCommand).deploydbClaim(streams.length, ...streams.map(ownerKey), installationId);
      if (refused) throw new StreamOwnedElsewhere(streams[Number(refused[0]) - 1]!, String(refused[1]), installationId);
    };
    try {
      await claim();
    } catch (error) {
      if (!(error instanceof StreamOwnedElsewhere)) throw error;
      // Running already, on names settled at start: keep them, and say loudly that they were taken.
      if (again) throw error;
      if (this.origin.kind === 'configured') {
        throw new Error(
          `${error.message}: two installations must not share a stream, or each would take the other's events. ` +
            `Set queue.config.stream and queue.config.triggerStream to names of this installation's own, ` +
            `or point database.url at the database of installation ${error.owner} if this is one of its instances`,
          { cause: error },
        );
      }
      const derived = derivedNames(installationId);
      this.logger.warn(
        { owner: error.owner, installationId, ...derived },
        `Redis stream ${error.stream} belongs to DeployDB installation ${error.owner}: this installation uses streams ` +
          `${derived.stream} and ${derived.triggerStream} instead; subscribers of its events must read them there ` +
          '(set queue.config.stream and triggerStream to choose these names yourself)',
      );
      this.names = derived;
      this.origin = { kind: 'derived', defaultOwner: error.owner };
      await claim();
    }
  }

  /** Closes every subscription (waiting for handlers in flight), then closes the connection. */
  async stop(): Promise<void> {
    const main = this.main;
    if (!main) return;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    this.main = undefined;
    try {
      await withTimeout(main.quit(), QUIT_TIMEOUT_MS);
    } catch {
      main.disconnect();
    }
    this.down = false;
  }

  /** `ok` when Redis answers PING within a second, naming the streams in use; `down` otherwise or when stopped. */
  async health(): Promise<HealthCheck> {
    const main = this.main;
    if (!main) return { status: 'down', detail: 'not connected to Redis' };
    if (main.status !== 'ready') return { status: 'down', detail: `Redis connection is ${main.status}` };
    try {
      await withTimeout(main.ping(), HEALTH_TIMEOUT_MS);
      const where = `streams ${this.names.stream} and ${this.names.triggerStream}`;
      if (this.origin.kind !== 'derived') return { status: 'ok', detail: where };
      return { status: 'ok', detail: `${where} (derived from this installation's id: ${DEFAULT_STREAM} belongs to installation ${this.origin.defaultOwner})` };
    } catch (error) {
      return { status: 'down', detail: `Redis does not answer PING: ${errorText(error)}` };
    }
  }

  /**
   * Appends the event to its stream (triggers to `triggerStream`) and resolves once Redis
   * stored it. A repeat of its id within `duplicateWindow` is stored once.
   */
  async publish(type: string, event: Record<string, unknown>, options: PublishOptions): Promise<void> {
    const main = this.requireMain();
    assertSubject(type);
    if (this.down) throw new Error(`cannot publish ${type}: disconnected from Redis, reconnecting`);
    const stream = this.streamFor(type);
    const fields = ['type', type, 'event', JSON.stringify(event), 'id', options.id];
    if (options.key !== undefined) fields.push('key', options.key);
    await (main as unknown as PublishCommand).deploydbPublish(
      stream,
      dedupeKey(stream, options.id),
      Math.round(this.config.duplicateWindow * 1000),
      this.config.maxLen,
      ...fields,
    );
  }

  /** Joins (creating if needed) the consumer group of `group` and `pattern`, and starts reading. */
  async subscribe(pattern: string, options: SubscribeOptions, handler: Handler): Promise<Subscription> {
    const main = this.requireMain();
    assertPattern(pattern);
    const streams: string[] = [];
    if (!patternOnlyUnder(pattern, TRIGGER_TOKENS)) streams.push(this.names.stream);
    if (patternMayMatchUnder(pattern, TRIGGER_TOKENS)) streams.push(this.names.triggerStream);
    const group = groupName(options.group, pattern, this.installationId);
    const consumer = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    const subscription = new RedisSubscription(main, handler, {
      streams,
      group,
      legacyGroup: this.installationId ? groupName(options.group, pattern) : undefined,
      from: options.from ?? 'start',
      consumer,
      pattern,
      concurrency: this.config.concurrency,
      blockMs: this.config.blockMs,
      claimIdleMs: Math.round(this.config.claimIdle * 1000),
      retryDelayMs: Math.round(this.config.retryDelay * 1000),
      logger: this.logger.child({ group: options.group, pattern, consumer }),
      onClosed: () => this.subscriptions.delete(subscription),
    });
    this.subscriptions.add(subscription);
    try {
      await subscription.start();
    } catch (error) {
      await subscription.close();
      throw error;
    }
    return { close: () => subscription.close() };
  }

  private streamFor(type: string): string {
    return type.startsWith(TRIGGER_PREFIX) ? this.names.triggerStream : this.names.stream;
  }

  private requireMain(): Redis {
    if (!this.main) throw new Error('the Redis queue provider is not started');
    return this.main;
  }
}

/** The key that marks an event id as published to `stream` for the duplicate window. */
export function dedupeKey(stream: string, id: string): string {
  return `${stream}:id:${id}`;
}

/**
 * The consumer group of a subscription. The pattern is part of it: one group subscribing with
 * two patterns must not have one subscription acknowledge (as not matching) what the other needs.
 * So is the installation, so that installations never share a group whatever their groups are
 * called. Without an installation: the name groups had before installations were told apart,
 * which is also how an upgrade finds them.
 */
export function groupName(group: string, pattern: string, installationId?: string): string {
  return installationId === undefined ? `${group}:${pattern}` : `${group}@${installationTag(installationId)}:${pattern}`;
}

interface SubscriptionSettings {
  streams: string[];
  group: string;
  /** The group's name from before groups were named after their installation, to take its position over. */
  legacyGroup: string | undefined;
  /** Where the group starts when it is created (SubscribeOptions.from). */
  from: 'start' | 'now';
  consumer: string;
  pattern: string;
  concurrency: number;
  blockMs: number;
  claimIdleMs: number;
  retryDelayMs: number;
  logger: Logger;
  onClosed: () => void;
}

interface Entry {
  stream: string;
  id: string;
}

interface PendingRetry extends Entry {
  /** When the failed entry is due again (epoch ms). */
  at: number;
  /** Minimum idle time for the claim, so an entry another consumer took meanwhile stays there. */
  minIdle: number;
  deliveryCount: number;
}

/**
 * One subscription: a read loop on a connection of its own (XREADGROUP blocks it), which also
 * brings back its own failed entries when due, keeps its in-flight entries from looking idle,
 * and claims entries left idle by consumers that stopped answering.
 */
class RedisSubscription {
  private readonly reader: Redis;
  private readonly runner: KeyedRunner;
  private readonly inFlight = new Map<string, Entry>();
  private readonly retries = new Map<string, PendingRetry>();
  private readonly claimCursors = new Map<string, string>();
  private wake: (() => void) | undefined;
  private readonly maintenanceEveryMs: number;
  private nextMaintenance = 0;
  private loop: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly main: Redis,
    private readonly handler: Handler,
    private readonly settings: SubscriptionSettings,
  ) {
    this.runner = new KeyedRunner(settings.concurrency);
    this.maintenanceEveryMs = Math.max(50, Math.floor(settings.claimIdleMs / 3));
    // Commands wait for the server to come back instead of failing: the loop must outlive restarts.
    this.reader = main.duplicate({ maxRetriesPerRequest: null, connectionName: 'deploydb-reader', lazyConnect: true });
    this.reader.on('error', () => undefined);
  }

  async start(): Promise<void> {
    await this.reader.connect();
    await this.ensureGroups();
    this.loop = this.run();
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    this.wake?.();
    // Interrupts a blocked XREADGROUP at once.
    this.reader.disconnect();
    // While ioredis waits to reconnect it neither sends nor fails queued commands: fail them, so
    // that a stop with Redis down ends (the loop would wait for its read forever).
    (this.reader as unknown as { flushQueue?: (error: Error) => void }).flushQueue?.(new Error('the subscription is closing'));
    await this.loop;
    await this.runner.idle();
    await withTimeout(this.forgetConsumerIfIdle(), QUIT_TIMEOUT_MS).catch(() => undefined);
    this.settings.onClosed();
  }

  /**
   * From `0` (or `$` when asked to start from now): a group sees what was published before its
   * first subscriber came. A group the
   * subscription had before groups were named after their installation hands its position over
   * (from its oldest unacknowledged entry), so that an upgrade neither delivers the whole stream
   * again nor skips what was not yet acknowledged.
   */
  private async ensureGroups(): Promise<void> {
    const { group, legacyGroup, logger } = this.settings;
    for (const stream of this.settings.streams) {
      const legacyStart = legacyGroup ? await this.positionOf(stream, legacyGroup) : undefined;
      try {
        await this.reader.call('XGROUP', 'CREATE', stream, group, legacyStart ?? (this.settings.from === 'now' ? '$' : '0'), 'MKSTREAM');
      } catch (error) {
        if (!errorText(error).includes('BUSYGROUP')) throw error;
        continue;
      }
      if (legacyStart !== undefined) {
        await this.reader.call('XGROUP', 'DESTROY', stream, legacyGroup!).catch(() => undefined);
        logger.info({ stream, from: legacyGroup, start: legacyStart }, 'consumer group renamed for this installation; it goes on from where the old one was');
      }
    }
  }

  /** Where a group created in place of `name` must start: before its oldest pending entry, else after its last delivered one. */
  private async positionOf(stream: string, name: string): Promise<string | undefined> {
    const groups = await this.reader.call('XINFO', 'GROUPS', stream).catch(() => []);
    const fields = (Array.isArray(groups) ? groups : []).map((entry) => flatFields(entry)).find((g) => g.name === name);
    if (!fields) return undefined;
    const pending = await this.reader.call('XPENDING', stream, name);
    const oldest = Array.isArray(pending) && Number(pending[0]) > 0 ? String(pending[1]) : undefined;
    return oldest ? entryBefore(oldest) : String(fields['last-delivered-id'] ?? '0');
  }

  private async run(): Promise<void> {
    const { streams, group, consumer, blockMs, concurrency, logger } = this.settings;
    let failures = 0;
    while (!this.closed) {
      try {
        await this.redeliverDue();
        if (Date.now() >= this.nextMaintenance) {
          await this.maintain();
          this.nextMaintenance = Date.now() + this.maintenanceEveryMs;
        }
        const wait = Math.max(10, Math.min(blockMs, this.nextMaintenance - Date.now(), this.nextRetryAt() - Date.now()));
        const free = concurrency - this.runner.pending;
        if (free <= 0) {
          await this.pause(wait);
          continue;
        }
        const reply = await this.reader.call(
          'XREADGROUP', 'GROUP', group, consumer, 'COUNT', free, 'BLOCK', wait, 'STREAMS', ...streams, ...streams.map(() => '>'),
        );
        for (const [stream, entries] of parseStreams(reply)) {
          for (const [id, fields] of entries) this.dispatch(stream, id, fields, 1);
        }
        if (failures > 0) logger.info({}, 'reading from Redis again');
        failures = 0;
      } catch (error) {
        if (this.closed) break;
        if (errorText(error).includes('NOGROUP')) {
          // The server lost the stream or the group (a restart without persistence): start afresh.
          logger.warn({}, 'consumer group missing on Redis; re-creating it');
          await this.ensureGroups().catch(() => undefined);
          continue;
        }
        failures += 1;
        if (failures === 1) logger.warn({ err: errorText(error) }, 'reading from Redis failed; retrying');
        await this.pause(exponentialDelay(failures + 1, 100, 2000));
      }
    }
  }

  /** Waits `ms`, or less when a handler finishes or the subscription closes. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.wake === done) this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private nextRetryAt(): number {
    let next = Infinity;
    for (const retry of this.retries.values()) next = Math.min(next, retry.at);
    return next;
  }

  /** Takes back this consumer's failed entries whose delay is over. */
  private async redeliverDue(): Promise<void> {
    const now = Date.now();
    const due = [...this.retries.entries()].filter(([, retry]) => retry.at <= now);
    for (const [localKey, retry] of due) {
      const reply = await this.reader.call('XCLAIM', retry.stream, this.settings.group, this.settings.consumer, retry.minIdle, retry.id);
      this.retries.delete(localKey);
      // Nothing comes back for an entry that was trimmed away or taken over by another consumer.
      for (const [id, fields] of parseEntries(reply)) this.dispatch(retry.stream, id, fields, retry.deliveryCount + 1);
    }
  }

  /**
   * Resets the idle time of entries this consumer is working on (so nobody claims them while
   * a handler runs long), then claims entries idle for `claimIdle` from consumers that stopped.
   */
  private async maintain(): Promise<void> {
    const { group, consumer, claimIdleMs, concurrency } = this.settings;
    for (const stream of this.settings.streams) {
      const mine = [...this.inFlight.values()].filter((e) => e.stream === stream).map((e) => e.id);
      if (mine.length > 0) await this.reader.call('XCLAIM', stream, group, consumer, 0, ...mine, 'JUSTID');
      const free = concurrency - this.runner.pending;
      if (free <= 0) continue;
      const cursor = this.claimCursors.get(stream) ?? '0-0';
      const reply = await this.reader.call('XAUTOCLAIM', stream, group, consumer, claimIdleMs, cursor, 'COUNT', free);
      if (!Array.isArray(reply)) continue;
      this.claimCursors.set(stream, String(reply[0]));
      const claimed = parseEntries(reply[1]);
      if (claimed.length > 0) this.settings.logger.info({ stream, count: claimed.length }, 'claimed entries left idle by another consumer');
      for (const [id, fields] of claimed) {
        this.dispatch(stream, id, fields, await this.deliveryCount(stream, id));
      }
    }
  }

  private async deliveryCount(stream: string, id: string): Promise<number> {
    const reply = await this.reader.call('XPENDING', stream, this.settings.group, id, id, 1);
    const row = Array.isArray(reply) ? reply[0] : undefined;
    return Array.isArray(row) ? Number(row[3]) : 1;
  }

  private dispatch(stream: string, id: string, fields: Record<string, string>, deliveryCount: number): void {
    const localKey = `${stream}\u0000${id}`;
    if (this.inFlight.has(localKey)) return;
    this.retries.delete(localKey);
    const type = fields.type ?? '';
    if (!subjectMatches(this.settings.pattern, type)) {
      this.ack(stream, id);
      return;
    }
    const event = parseObject(fields.event);
    if (!event) {
      // It will never parse: redelivering it would only block its key forever.
      this.settings.logger.error({ stream, entry: id, type }, 'dropping an entry whose event is not a JSON object');
      this.ack(stream, id);
      return;
    }
    const message: QueueMessage = {
      id: fields.id ?? (typeof event.id === 'string' ? event.id : id),
      type,
      event,
      deliveryCount,
    };
    this.inFlight.set(localKey, { stream, id });
    this.runner.run(fields.key || undefined, async () => {
      try {
        await this.handler(message);
      } catch (error) {
        const delay = exponentialDelay(deliveryCount, this.settings.retryDelayMs, MAX_RETRY_DELAY_MS);
        this.retries.set(localKey, { stream, id, at: Date.now() + delay, minIdle: Math.max(0, delay - 50), deliveryCount });
        this.settings.logger.warn(
          { err: errorText(error), id: message.id, type, deliveryCount, retryInMs: delay },
          'queue handler failed; the message will be delivered again',
        );
        return;
      } finally {
        this.inFlight.delete(localKey);
        this.wake?.();
      }
      await this.ackNow(stream, id);
    });
  }

  private ack(stream: string, id: string): void {
    void this.ackNow(stream, id);
  }

  private async ackNow(stream: string, id: string): Promise<void> {
    try {
      await this.main.xack(stream, this.settings.group, id);
    } catch (error) {
      // Still pending: it comes back (after claimIdle), which at-least-once delivery allows.
      this.settings.logger.warn({ err: errorText(error), stream, entry: id }, 'acknowledging an entry failed');
    }
  }

  /** A consumer with nothing pending is removed, so groups do not collect names of past processes. */
  private async forgetConsumerIfIdle(): Promise<void> {
    const { group, consumer } = this.settings;
    try {
      for (const stream of this.settings.streams) {
        const pending = await this.main.call('XPENDING', stream, group, '-', '+', 1, consumer);
        if (Array.isArray(pending) && pending.length > 0) continue;
        await this.main.call('XGROUP', 'DELCONSUMER', stream, group, consumer);
      }
    } catch {
      // The server may be away; a leftover consumer name is harmless.
    }
  }
}

/** XREADGROUP's reply: `[[stream, [[id, [field, value, ...]], ...]], ...]` or null. */
function parseStreams(reply: unknown): Array<[string, Array<[string, Record<string, string>]>]> {
  if (!Array.isArray(reply)) return [];
  return reply
    .filter((item): item is [unknown, unknown] => Array.isArray(item) && item.length === 2)
    .map(([stream, entries]) => [String(stream), parseEntries(entries)]);
}

/** A list of `[id, [field, value, ...]]`, where deleted entries may show as null. */
function parseEntries(reply: unknown): Array<[string, Record<string, string>]> {
  if (!Array.isArray(reply)) return [];
  const out: Array<[string, Record<string, string>]> = [];
  for (const item of reply) {
    if (!Array.isArray(item) || !Array.isArray(item[1])) continue;
    const fields: Record<string, string> = {};
    const flat = item[1] as unknown[];
    for (let i = 0; i + 1 < flat.length; i += 2) fields[String(flat[i])] = String(flat[i + 1]);
    out.push([String(item[0]), fields]);
  }
  return out;
}

/** A reply of alternating names and values (XINFO) as a record. */
function flatFields(reply: unknown): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (!Array.isArray(reply)) return fields;
  for (let i = 0; i + 1 < reply.length; i += 2) fields[String(reply[i])] = reply[i + 1];
  return fields;
}

function parseObject(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Resolves once the client is ready (it reconnects by itself), rejects after `ms`. */
function waitForReady(redis: Redis, ms: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', ready);
      reject(new Error(`Redis did not answer within ${ms} ms`));
    }, ms);
    const ready = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', ready);
  });
}
