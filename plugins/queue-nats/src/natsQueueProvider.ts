import { connect, headers as natsHeaders, nanos, type NatsConnection } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
  type Consumer,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { assertPattern, assertSubject, KeyedRunner, subjectMatches } from '@deploydb/core';
import type { HealthCheck, Logger, PublishOptions, QueueMessage, QueueProvider, SubscribeOptions, Subscription } from '@deploydb/core';
import type { NatsQueueConfig } from './configSchema.js';
import { consumerName } from './subjects.js';

/** Header carrying `PublishOptions.key`, so consumers can keep one key's messages in order. */
export const KEY_HEADER = 'DeployDB-Key';
const MSG_ID_HEADER = 'Nats-Msg-Id';
const PUBLISH_TIMEOUT_MS = 5000;
const MAX_RETRY_DELAY_MS = 300_000;
const DRAIN_TIMEOUT_MS = 10_000;

type Handler = (message: QueueMessage) => Promise<void>;

interface Session {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
}

/**
 * A `QueueProvider` over NATS JetStream: one stream holds every event under its type as the
 * subject; each subscription group is a durable pull consumer filtered by the group's pattern.
 */
export class NatsQueueProvider implements QueueProvider {
  private session: Session | undefined;
  private connected = false;
  private disconnectedAt: number | undefined;
  private statusLoop: Promise<void> | undefined;
  private readonly subscriptions = new Set<NatsSubscription>();
  private readonly servers: string[];

  constructor(
    private readonly config: NatsQueueConfig,
    private readonly logger: Logger,
  ) {
    this.servers = Array.isArray(config.servers) ? config.servers : [config.servers];
  }

  /** Connects (then reconnects forever with backoff) and creates or updates the stream. */
  async start(): Promise<void> {
    if (this.session) return;
    const nc = await connect({
      servers: this.servers,
      name: 'deploydb',
      user: this.config.user,
      pass: this.config.pass,
      token: this.config.token,
      maxReconnectAttempts: -1,
      reconnectDelayHandler: () => this.nextReconnectDelay(),
      pingInterval: 10_000,
      maxPingOut: 3,
    });
    this.connected = true;
    this.disconnectedAt = undefined;
    this.statusLoop = this.watchStatus(nc);
    try {
      const jsm = await jetstreamManager(nc);
      const session = { nc, jsm, js: jetstream(nc, { timeout: PUBLISH_TIMEOUT_MS }) };
      await this.ensureStream(jsm);
      this.session = session;
      this.logger.info({ servers: this.servers, stream: this.config.stream }, 'connected to NATS JetStream');
    } catch (error) {
      await nc.close().catch(() => undefined);
      await this.statusLoop;
      throw error;
    }
  }

  /** Closes every subscription (waiting for handlers in flight), then drains the connection. */
  async stop(): Promise<void> {
    const session = this.session;
    if (!session) return;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    this.session = undefined;
    try {
      await withTimeout(session.nc.drain(), DRAIN_TIMEOUT_MS);
    } catch (error) {
      this.logger.warn({ err: errorText(error) }, 'NATS drain did not complete; closing the connection');
      await session.nc.close().catch(() => undefined);
    }
    await this.statusLoop;
    this.statusLoop = undefined;
    this.connected = false;
  }

  /** `ok` while connected to NATS; `down` while reconnecting or stopped. */
  async health(): Promise<HealthCheck> {
    const session = this.session;
    if (!session || session.nc.isClosed()) return { status: 'down', detail: 'not connected to NATS' };
    if (!this.connected) return { status: 'down', detail: `disconnected from NATS (${this.servers.join(', ')}), reconnecting` };
    return { status: 'ok' };
  }

  /**
   * Publishes `event` on the subject `type` and resolves once JetStream stored it. The event id
   * becomes `Nats-Msg-Id`, so a repeat within `duplicateWindow` is stored once.
   */
  async publish(type: string, event: Record<string, unknown>, options: PublishOptions): Promise<void> {
    const { js } = this.requireSession();
    // Failing at once lets the caller (the outbox relay) retry later instead of waiting on a dead link.
    if (!this.connected) throw new Error(`cannot publish ${type}: disconnected from NATS, reconnecting`);
    assertSubject(type);
    if (!this.config.subjects.some((pattern) => subjectMatches(pattern, type))) {
      throw new Error(`event type "${type}" is not captured by stream ${this.config.stream} (subjects: ${this.config.subjects.join(', ')})`);
    }
    const headers = options.key === undefined ? undefined : natsHeaders();
    headers?.set(KEY_HEADER, options.key!);
    const send = () =>
      js.publish(this.config.subjectPrefix + type, JSON.stringify(event), {
        msgID: options.id,
        timeout: PUBLISH_TIMEOUT_MS,
        retries: 3,
        ...(headers ? { headers } : {}),
      });
    try {
      await send();
    } catch (error) {
      // Nothing answers for the subject when the server lost the stream (restarted without storage).
      if (!(error instanceof Error && error.name === 'JetStreamNotEnabled')) throw error;
      this.logger.warn({ stream: this.config.stream }, 'no stream answered the publish; re-creating the stream');
      await this.ensureStream(this.requireSession().jsm);
      await send();
    }
  }

  /** Creates (or reuses) the group's durable consumer and starts handing its messages to `handler`. */
  async subscribe(pattern: string, options: SubscribeOptions, handler: Handler): Promise<Subscription> {
    const session = this.requireSession();
    assertPattern(pattern);
    // The prefix is part of the name: a changed prefix must not reuse a consumer filtering the old subjects.
    const name = consumerName(options.group, this.config.subjectPrefix + pattern);
    await this.ensureConsumer(session.jsm, name, pattern);
    const consumer = await session.js.consumers.get(this.config.stream, name);
    const subscription = new NatsSubscription(consumer, handler, {
      prefix: this.config.subjectPrefix,
      concurrency: this.config.concurrency,
      ackWaitMs: this.config.ackWait * 1000,
      retryDelayMs: this.config.retryDelay * 1000,
      logger: this.logger.child({ group: options.group, pattern, consumer: name }),
      recreate: async () => {
        await this.ensureStream(session.jsm);
        await this.ensureConsumer(session.jsm, name, pattern);
      },
      onClosed: () => this.subscriptions.delete(subscription),
    });
    this.subscriptions.add(subscription);
    await subscription.start();
    return { close: () => subscription.close() };
  }

  private requireSession(): Session {
    if (!this.session) throw new Error('the NATS queue provider is not started');
    return this.session;
  }

  /**
   * The client asks for this before every dial attempt (and while it waits between them), so the
   * backoff is a function of how long the connection has been down rather than a counter:
   * 250 ms at first, growing to 5 s after about 20 s.
   */
  private nextReconnectDelay(): number {
    const downFor = this.disconnectedAt === undefined ? 0 : Date.now() - this.disconnectedAt;
    return Math.min(5000, 250 + Math.floor(downFor / 4));
  }

  private async watchStatus(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') {
        this.connected = false;
        this.disconnectedAt ??= Date.now();
        this.logger.warn({ server: status.server }, 'disconnected from NATS; reconnecting');
      } else if (status.type === 'reconnect') {
        this.connected = true;
        this.disconnectedAt = undefined;
        this.logger.info({ server: status.server }, 'reconnected to NATS');
      } else if (status.type === 'error') {
        this.logger.warn({ err: errorText(status.error) }, 'NATS connection error');
      }
    }
  }

  /** Creates the stream, or adds subjects it lacks and aligns its limits. Never removes subjects. */
  private async ensureStream(jsm: JetStreamManager): Promise<void> {
    const { stream, subjectPrefix } = this.config;
    const subjects = this.config.subjects.map((s) => subjectPrefix + s);
    const limits = { duplicate_window: nanos(this.config.duplicateWindow * 1000), max_msgs: this.config.maxMessages };
    const existing = await jsm.streams.info(stream).catch((error: unknown) => {
      if (isApiError(error, JetStreamApiCodes.StreamNotFound)) return undefined;
      throw error;
    });
    if (!existing) {
      await jsm.streams.add({
        name: stream,
        subjects,
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        discard: DiscardPolicy.Old,
        ...limits,
      });
      return;
    }
    const current = existing.config.subjects ?? [];
    const missing = subjects.filter((s) => !current.includes(s));
    if (missing.length > 0 || existing.config.duplicate_window !== limits.duplicate_window || existing.config.max_msgs !== limits.max_msgs) {
      await jsm.streams.update(stream, { subjects: [...current, ...missing], ...limits });
    }
  }

  private async ensureConsumer(jsm: JetStreamManager, name: string, pattern: string): Promise<void> {
    const { stream } = this.config;
    const settings = { ack_wait: nanos(this.config.ackWait * 1000), max_deliver: this.config.maxDeliver };
    const existing = await jsm.consumers.info(stream, name).catch((error: unknown) => {
      if (isApiError(error, JetStreamApiCodes.ConsumerNotFound)) return undefined;
      throw error;
    });
    if (!existing) {
      await jsm.consumers.add(stream, {
        durable_name: name,
        filter_subject: this.config.subjectPrefix + pattern,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ...settings,
      });
    } else if (existing.config.ack_wait !== settings.ack_wait || existing.config.max_deliver !== settings.max_deliver) {
      await jsm.consumers.update(stream, name, settings);
    }
  }
}

interface SubscriptionSettings {
  prefix: string;
  concurrency: number;
  ackWaitMs: number;
  retryDelayMs: number;
  logger: Logger;
  /** Re-creates the stream and consumer when the server lost them (e.g. restarted without storage). */
  recreate: () => Promise<void>;
  onClosed: () => void;
}

/** One subscription: pulls from its durable consumer and runs the handler, one key at a time. */
class NatsSubscription {
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private closed = false;
  private readonly runner: KeyedRunner;
  private lastRecreate = 0;

  constructor(
    private readonly consumer: Consumer,
    private readonly handler: Handler,
    private readonly settings: SubscriptionSettings,
  ) {
    this.runner = new KeyedRunner(settings.concurrency);
  }

  async start(): Promise<void> {
    // A small pull batch keeps messages from waiting out their ack wait in the client's buffer.
    this.messages = await this.consumer.consume({ max_messages: this.settings.concurrency });
    this.loop = this.run(this.messages);
    void this.watch(this.messages);
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    await this.messages?.close().catch(() => undefined);
    await this.loop;
    await this.runner.idle();
    this.settings.onClosed();
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const msg of messages) {
        await this.runner.slot();
        if (this.closed) {
          // Handed back at once rather than after the ack wait.
          msg.nak();
          continue;
        }
        this.runner.run(msg.headers?.get(KEY_HEADER) || undefined, () => this.handle(msg));
      }
    } catch (error) {
      if (!this.closed) this.settings.logger.error({ err: errorText(error) }, 'NATS consumer stopped');
    }
  }

  private async watch(messages: ConsumerMessages): Promise<void> {
    for await (const status of messages.status()) {
      if (status.type === 'consumer_not_found' || status.type === 'stream_not_found' || status.type === 'consumer_deleted') {
        if (this.closed || Date.now() - this.lastRecreate < 2000) continue;
        this.lastRecreate = Date.now();
        this.settings.logger.warn({ notification: status.type }, 'NATS lost the consumer; re-creating it');
        await this.settings.recreate().catch((error: unknown) => {
          this.settings.logger.warn({ err: errorText(error) }, 're-creating the NATS consumer failed; will retry');
        });
      }
    }
  }

  private async handle(msg: JsMsg): Promise<void> {
    let event: unknown;
    try {
      event = JSON.parse(msg.string());
    } catch {
      event = undefined;
    }
    if (typeof event !== 'object' || event === null || Array.isArray(event)) {
      // It will never parse: redelivering it would only block its key forever.
      this.settings.logger.error({ subject: msg.subject, seq: msg.seq }, 'dropping a message that is not a JSON object');
      msg.term();
      return;
    }
    const record = event as Record<string, unknown>;
    const message: QueueMessage = {
      id: msg.headers?.get(MSG_ID_HEADER) || (typeof record.id === 'string' ? record.id : String(msg.seq)),
      type: msg.subject.startsWith(this.settings.prefix) ? msg.subject.slice(this.settings.prefix.length) : msg.subject,
      event: record,
      deliveryCount: msg.info.deliveryCount,
    };
    // Long handlers tell NATS they are alive, so the message is not handed to another consumer meanwhile.
    const heartbeat = setInterval(() => msg.working(), Math.max(100, this.settings.ackWaitMs / 2));
    try {
      await this.handler(message);
      msg.ack();
    } catch (error) {
      const delay = Math.min(this.settings.retryDelayMs * 2 ** (message.deliveryCount - 1), MAX_RETRY_DELAY_MS);
      this.settings.logger.warn(
        { err: errorText(error), id: message.id, type: message.type, deliveryCount: message.deliveryCount, retryInMs: delay },
        'queue handler failed; the message will be delivered again',
      );
      msg.nak(delay);
    } finally {
      clearInterval(heartbeat);
    }
  }
}

function isApiError(error: unknown, code: number): boolean {
  return error instanceof JetStreamApiError && error.code === code;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
