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
import { assertPattern, assertSubject, KeyedRunner, subjectMatches, withTimeout, exponentialDelay } from '@deploydb/core';
import type { HealthCheck, Logger, PublishOptions, QueueMessage, QueueProvider, SubscribeOptions, Subscription } from '@deploydb/core';
import type { NatsQueueConfig } from './configSchema.js';
import { consumerName } from './subjects.js';
import {
  DEFAULT_STREAM,
  DEFAULT_SUBJECT_PREFIX,
  StreamOwnedElsewhere,
  claimedDescription,
  derivedNames,
  ownerOf,
  type BusNames,
} from './ownership.js';

/** Header carrying `PublishOptions.key`, so consumers can keep one key's messages in order. */
export const KEY_HEADER = 'DeployDB-Key';
const MSG_ID_HEADER = 'Nats-Msg-Id';
const PUBLISH_TIMEOUT_MS = 5000;
const MAX_RETRY_DELAY_MS = 300_000;
const DRAIN_TIMEOUT_MS = 10_000;
/** JetStream API errors: another stream has that name / already captures those subjects. */
const STREAM_NAME_IN_USE = 10058;
const SUBJECTS_OVERLAP = 10065;

type Handler = (message: QueueMessage) => Promise<void>;

interface Session {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
}

/** What the kernel tells a provider besides its config. */
export interface NatsProviderOptions {
  /**
   * The installation this provider serves. With it, the stream is claimed for the installation
   * and consumers are named after it; without it (a provider made outside a kernel), neither.
   */
  installationId?: string;
}

/** Why the stream has the names it has: configured, the defaults, or derived (the defaults belong to another installation). */
type NamesOrigin = { kind: 'configured' | 'defaults' } | { kind: 'derived'; defaultOwner: string };

/**
 * A `QueueProvider` over NATS JetStream: one stream holds every event under its type as the
 * subject; each subscription group is a durable pull consumer filtered by the group's pattern.
 *
 * One installation, one stream: the stream's description names the installation that owns it
 * (the first to use it). A start that finds the configured stream owned by another installation
 * fails, naming it; with the default names, a second installation derives names of its own.
 */
export class NatsQueueProvider implements QueueProvider {
  private session: Session | undefined;
  private connected = false;
  private disconnectedAt: number | undefined;
  private statusLoop: Promise<void> | undefined;
  private readonly subscriptions = new Set<NatsSubscription>();
  private readonly servers: string[];
  private readonly installationId: string | undefined;
  private names: BusNames;
  private origin: NamesOrigin;

  constructor(
    private readonly config: NatsQueueConfig,
    private readonly logger: Logger,
    options: NatsProviderOptions = {},
  ) {
    this.servers = Array.isArray(config.servers) ? config.servers : [config.servers];
    this.installationId = options.installationId;
    const configured = config.stream !== undefined || config.subjectPrefix !== undefined;
    this.names = { stream: config.stream ?? DEFAULT_STREAM, subjectPrefix: config.subjectPrefix ?? DEFAULT_SUBJECT_PREFIX };
    this.origin = { kind: configured ? 'configured' : 'defaults' };
  }

  /** The stream and subject prefix in use (known for sure once started). */
  get busNames(): BusNames {
    return { ...this.names };
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
      await this.claimStream(jsm);
      this.session = session;
      this.logger.info({ servers: this.servers, ...this.names, installationId: this.installationId }, 'connected to NATS JetStream');
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

  /** `ok` while connected to NATS, naming the stream and subjects in use; `down` while reconnecting or stopped. */
  async health(): Promise<HealthCheck> {
    const session = this.session;
    if (!session || session.nc.isClosed()) return { status: 'down', detail: 'not connected to NATS' };
    if (!this.connected) return { status: 'down', detail: `disconnected from NATS (${this.servers.join(', ')}), reconnecting` };
    return { status: 'ok', detail: this.describeNames() };
  }

  private describeNames(): string {
    const subjects = this.config.subjects.map((s) => this.names.subjectPrefix + s).join(', ');
    const where = `stream ${this.names.stream}, subjects ${subjects}`;
    if (this.origin.kind !== 'derived') return where;
    return `${where} (derived from this installation's id: stream ${DEFAULT_STREAM} belongs to installation ${this.origin.defaultOwner})`;
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
      throw new Error(`event type "${type}" is not captured by stream ${this.names.stream} (subjects: ${this.config.subjects.join(', ')})`);
    }
    const headers = options.key === undefined ? undefined : natsHeaders();
    headers?.set(KEY_HEADER, options.key!);
    const send = () =>
      js.publish(this.names.subjectPrefix + type, JSON.stringify(event), {
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
      this.logger.warn({ stream: this.names.stream }, 'no stream answered the publish; re-creating the stream');
      await this.ensureStream(this.requireSession().jsm);
      await send();
    }
  }

  /** Creates (or reuses) the group's durable consumer and starts handing its messages to `handler`. */
  async subscribe(pattern: string, options: SubscribeOptions, handler: Handler): Promise<Subscription> {
    const session = this.requireSession();
    assertPattern(pattern);
    // The prefix is part of the name: a changed prefix must not reuse a consumer filtering the old subjects.
    const name = consumerName(options.group, this.names.subjectPrefix + pattern, this.installationId);
    await this.ensureConsumer(session.jsm, name, options.group, pattern, options.from);
    const consumer = await session.js.consumers.get(this.names.stream, name);
    const subscription = new NatsSubscription(consumer, handler, {
      prefix: this.names.subjectPrefix,
      concurrency: this.config.concurrency,
      ackWaitMs: this.config.ackWait * 1000,
      retryDelayMs: this.config.retryDelay * 1000,
      logger: this.logger.child({ group: options.group, pattern, consumer: name }),
      recreate: async () => {
        await this.ensureStream(session.jsm);
        await this.ensureConsumer(session.jsm, name, options.group, pattern, options.from);
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

  /**
   * Settles which stream this installation uses and makes sure it is there and its own. With the
   * default names already owned by another installation, takes names derived from its own id
   * (logged loudly, shown by `health`); configured names owned by another fail the start.
   */
  private async claimStream(jsm: JetStreamManager): Promise<void> {
    try {
      await this.ensureStream(jsm);
    } catch (error) {
      if (!(error instanceof StreamOwnedElsewhere)) throw error;
      if (this.origin.kind === 'configured') {
        throw new Error(
          `${error.message}: two installations must not share a stream, or each would take the other's events. ` +
            `Set queue.config.stream and queue.config.subjectPrefix to names of this installation's own, ` +
            `or point database.url at the database of installation ${error.owner} if this is one of its instances`,
          { cause: error },
        );
      }
      const derived = derivedNames(error.installationId);
      this.logger.warn(
        { defaultStream: DEFAULT_STREAM, owner: error.owner, installationId: error.installationId, stream: derived.stream, subjectPrefix: derived.subjectPrefix },
        `stream ${DEFAULT_STREAM} belongs to DeployDB installation ${error.owner}: this installation publishes to stream ${derived.stream} ` +
          `with subjects under "${derived.subjectPrefix}" instead; subscribers of its events must read them there ` +
          '(set queue.config.stream and subjectPrefix to choose these names yourself)',
      );
      this.names = derived;
      this.origin = { kind: 'derived', defaultOwner: error.owner };
      await this.ensureStream(jsm);
    }
  }

  /**
   * Creates the stream (owned by this installation), or claims an unowned one, adds subjects it
   * lacks and aligns its limits. Never removes subjects. Throws {@link StreamOwnedElsewhere} for
   * a stream another installation owns.
   */
  private async ensureStream(jsm: JetStreamManager): Promise<void> {
    const { stream, subjectPrefix } = this.names;
    const subjects = this.config.subjects.map((s) => subjectPrefix + s);
    const limits = { duplicate_window: nanos(this.config.duplicateWindow * 1000), max_msgs: this.config.maxMessages };
    const existing = await jsm.streams.info(stream).catch((error: unknown) => {
      if (isApiError(error, JetStreamApiCodes.StreamNotFound)) return undefined;
      throw error;
    });
    const installationId = this.installationId;
    if (!existing) {
      try {
        await jsm.streams.add({
          name: stream,
          subjects,
          storage: StorageType.File,
          retention: RetentionPolicy.Limits,
          discard: DiscardPolicy.Old,
          ...(installationId ? { description: claimedDescription(undefined, installationId) } : {}),
          ...limits,
        });
      } catch (error) {
        // Another process created it meanwhile (maybe another installation): look again.
        if (isApiError(error, STREAM_NAME_IN_USE)) return this.ensureStream(jsm);
        if (isApiError(error, SUBJECTS_OVERLAP)) throw await this.overlapError(jsm, subjects);
        throw error;
      }
      return;
    }
    const owner = ownerOf(existing.config.description);
    if (installationId && owner && owner !== installationId) throw new StreamOwnedElsewhere(stream, owner, installationId);
    const claim = installationId && !owner ? { description: claimedDescription(existing.config.description, installationId) } : {};
    if (installationId && !owner) this.logger.info({ stream, installationId }, 'claimed an existing stream that no installation owned');
    const current = existing.config.subjects ?? [];
    const missing = subjects.filter((s) => !current.includes(s));
    if (missing.length > 0 || 'description' in claim || existing.config.duplicate_window !== limits.duplicate_window || existing.config.max_msgs !== limits.max_msgs) {
      try {
        await jsm.streams.update(stream, { subjects: [...current, ...missing], ...limits, ...claim });
      } catch (error) {
        if (isApiError(error, SUBJECTS_OVERLAP)) throw await this.overlapError(jsm, missing);
        throw error;
      }
    }
  }

  /** Names the stream (and its owner) that already captures subjects this one needs. */
  private async overlapError(jsm: JetStreamManager, subjects: string[]): Promise<Error> {
    let holder = 'another stream';
    for (const subject of subjects) {
      const name = await jsm.streams.find(subject.replace(/>$/, 'x').replace(/\*/g, 'x')).catch(() => undefined);
      if (!name) continue;
      const owner = ownerOf((await jsm.streams.info(name).catch(() => undefined))?.config.description);
      holder = `stream ${name}${owner ? ` of DeployDB installation ${owner}` : ''}`;
      break;
    }
    return new Error(
      `stream ${this.names.stream} cannot capture ${subjects.join(', ')}: ${holder} already does. ` +
        'Give this installation a queue.config.subjectPrefix of its own',
    );
  }

  /**
   * Creates the group's consumer, or aligns its settings. A consumer the group had before
   * consumers were named after their installation hands its position over, so that an upgrade
   * neither delivers the whole stream again nor skips what was not yet acknowledged.
   */
  private async ensureConsumer(jsm: JetStreamManager, name: string, group: string, pattern: string, from: SubscribeOptions['from'] = 'start'): Promise<void> {
    const { stream, subjectPrefix } = this.names;
    const settings = { ack_wait: nanos(this.config.ackWait * 1000), max_deliver: this.config.maxDeliver };
    const info = (consumer: string) =>
      jsm.consumers.info(stream, consumer).catch((error: unknown) => {
        if (isApiError(error, JetStreamApiCodes.ConsumerNotFound)) return undefined;
        throw error;
      });
    const existing = await info(name);
    if (existing) {
      if (existing.config.ack_wait !== settings.ack_wait || existing.config.max_deliver !== settings.max_deliver) {
        await jsm.consumers.update(stream, name, settings);
      }
      return;
    }
    const legacyName = this.installationId ? consumerName(group, subjectPrefix + pattern) : undefined;
    const legacy = legacyName ? await info(legacyName) : undefined;
    await jsm.consumers.add(stream, {
      durable_name: name,
      filter_subject: subjectPrefix + pattern,
      ack_policy: AckPolicy.Explicit,
      ...(legacy
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: legacy.ack_floor.stream_seq + 1 }
        : { deliver_policy: from === 'now' ? DeliverPolicy.New : DeliverPolicy.All }),
      ...settings,
    });
    if (legacy && legacyName) {
      await jsm.consumers.delete(stream, legacyName).catch(() => undefined);
      this.logger.info({ stream, consumer: name, from: legacyName, startSequence: legacy.ack_floor.stream_seq + 1 }, 'consumer renamed for this installation; it goes on from where the old one was');
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
      const delay = exponentialDelay(message.deliveryCount, this.settings.retryDelayMs, MAX_RETRY_DELAY_MS);
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
