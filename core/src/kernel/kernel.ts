import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';
import { ConfigInvalidError, loadConfig } from '../config/index.js';
import { isDeployDbError } from '../errors.js';
import { httpStatusOf } from '../errorResponse.js';
import type { DeployDbConfig } from '../config/model.js';
import { ModelIndex } from '../config/modelIndex.js';
import { Ledger } from '../domain/ledger.js';
import type { CurrentModel } from '../domain/ports.js';
import { Authenticator } from '../http/auth.js';
import { createApp } from '../http/app.js';
import { answerClientError } from '../http/clientErrors.js';
import { DashboardAssets } from '../http/dashboardAssets.js';
import type { ApiContext } from '../http/apiContext.js';
import { Metrics } from '../http/metrics.js';
import { RateLimiter } from '../http/rateLimit.js';
import { listAuditEntries, writeAuditEntries } from '../store/auditEntries.js';
import { openApiDocument } from '../http/openapi.js';
import { asyncApiDocument } from '../events/asyncApiDocument.js';
import type { RouteSpec } from '../http/route.js';
import type { Reloaded } from '../http/apiContext.js';
import { PendingAudit } from '../domain/audit.js';
import type { SqlRunner } from '../store/batchInsert.js';
import { apiRoutes } from '../http/routes/index.js';
import { systemClock, type Clock } from '../plugin-api/clock.js';
import type { PluginDefinition } from '../plugin-api/definePlugin.js';
import type { Logger } from '../plugin-api/logger.js';
import { openDatabase, type Database } from '../store/database.js';
import { LedgerReads } from '../store/ledgerReads.js';
import { LedgerStorage } from '../store/commandStore.js';
import { installationIdOf } from '../store/installation.js';
import { PlacementReads } from '../store/placementReads.js';
import { DoraReads } from '../store/doraReads.js';
import { ConfigSnapshots } from '../store/snapshots.js';
import { checkHealth, type HealthProbe, type HealthReport } from './health.js';
import { createLogger } from './logger.js';
import { importPlugin } from './pluginLoader.js';
import { startPlugins, type StartedPlugins } from './plugins.js';
import { PromotionRegistry } from './promotionRegistry.js';
import { PromotionWorker } from './promotionWorker.js';
import { LICENSE, VERSION } from '../version.js';
import { EmbeddedQueue } from '../events/queue/embeddedQueue.js';
import { OutboxRelay } from '../events/outbox/outboxRelay.js';
import type { QueueProvider } from '../plugin-api/queue.js';
import { TriggerService } from '../events/triggers/triggerService.js';
import { TriggerConsumer } from '../events/triggers/triggerConsumer.js';
import { Webhooks } from '../events/webhooks/webhooks.js';
import { Retention } from '../events/retention.js';
import { EventStreamHub, type EventStreamOptions } from '../events/stream/eventStreamHub.js';

export interface KernelOptions {
  /** Path of deploydb.yaml. */
  configPath: string;
  env?: NodeJS.ProcessEnv;
  /** Replaces the logger made from `logging.level` (tests pass a silent one). */
  logger?: Logger;
  /** The clock of the ledger, leases and due times, and of plugins unless `pluginClock` is given. */
  clock?: Clock;
  /**
   * The clock plugins see (their context's and each evaluation's): a test sets it to run a plugin
   * at a chosen time of day while the ledger keeps `clock`.
   */
  pluginClock?: Clock;
  /** Listen for HTTP (default true). Without, use `kernel.app.request(...)` in-process. */
  listen?: boolean;
  /** Overrides `server.port` (0: any free port). */
  port?: number;
  /** Plugins by package name, used instead of importing those packages (the test harness). */
  plugins?: Readonly<Record<string, PluginDefinition>>;
  /** Settings of the live event stream (tests shorten its keep-alive interval). */
  eventStream?: EventStreamOptions;
}

/**
 * The DeployDB kernel. Start-up order: load and check the configuration (plugins imported to
 * check their settings), open the store and migrate, create plugins in order, start them, start
 * the worker, listen. `stop()` undoes it in reverse.
 */
export class Kernel {
  private accepting = false;
  private server: ServerType | null = null;
  private stopping: Promise<void> | null = null;
  private configuration: DeployDbConfig;
  private current: CurrentModel;
  private authenticator: Authenticator;

  private constructor(
    private readonly options: KernelOptions,
    parts: KernelParts,
    config: DeployDbConfig,
    current: CurrentModel,
  ) {
    this.parts = parts;
    this.configuration = config;
    this.current = current;
    this.authenticator = new Authenticator(config.auth?.tokens ?? null);
  }

  private readonly parts: KernelParts;

  get app(): Hono {
    return this.parts.app;
  }
  get ledger(): Ledger {
    return this.parts.ledger;
  }
  get reads(): LedgerReads {
    return this.parts.reads;
  }
  get logger(): Logger {
    return this.parts.logger;
  }
  get db(): Database {
    return this.parts.db;
  }
  /** The queue events are published to: a queue plugin's, or the embedded one. */
  get queue(): QueueProvider {
    return this.parts.queue;
  }
  get webhooks(): Webhooks {
    return this.parts.webhooks;
  }
  /** The live event stream and its clients. */
  get eventStream(): EventStreamHub {
    return this.parts.eventStream;
  }

  /** Loads the configuration and starts everything; throws ConfigInvalidError for a bad file. */
  static async start(options: KernelOptions): Promise<Kernel> {
    const env = options.env ?? process.env;
    const clock = options.clock ?? systemClock;
    const pluginClock = options.pluginClock ?? clock;
    const definitions = new Map<string, PluginDefinition>();
    const describePlugin = async (name: string, dir: string) => {
      const definition = options.plugins?.[name] ?? (await importPlugin(name, dir));
      definitions.set(name, definition);
      return definition;
    };
    const config = await loadConfig({ path: options.configPath, env, describePlugin });
    const logger = options.logger ?? createLogger(config.logging);

    const db = await openDatabase({ url: config.database.url, dir: config.database.dir, logger: logger.child({ component: 'store' }) });
    const stopOnFailure: Array<() => Promise<void>> = [() => db.close()];
    try {
      const applied = await db.migrate();
      if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
      const installationId = await installationIdOf(db);

      const snapshots = new ConfigSnapshots();
      const snapshotId = await snapshots.save(db.em(), flowModelOf(config));
      const current: CurrentModel = { snapshotId, index: new ModelIndex(flowModelOf(config)) };

      const registry = new PromotionRegistry();
      const plugins = await startPlugins({ config, definitions, registry, logger, clock: pluginClock, installationId });
      stopOnFailure.unshift(() => plugins.stop());
      const embeddedQueue = plugins.queue ? null : new EmbeddedQueue({ db, logger: logger.child({ component: 'queue' }) });
      if (embeddedQueue) {
        await embeddedQueue.start();
        stopOnFailure.unshift(() => embeddedQueue.stop());
      }
      const queue = plugins.queue ?? embeddedQueue!;
      const relay = new OutboxRelay({
        db,
        queue,
        takeFromOutbox: embeddedQueue ? (limit) => embeddedQueue.takeFromOutbox(limit) : undefined,
        logger: logger.child({ component: 'outbox' }),
      });

      const eventStream = new EventStreamHub(db, logger.child({ component: 'event-stream' }), options.eventStream);
      let worker: PromotionWorker | null = null;
      let kernel: Kernel | null = null;
      let metrics: Metrics | null = null;
      const ledger = new Ledger({
        storage: new LedgerStorage(db, snapshots),
        plugins: registry,
        clock,
        current: () => kernel?.current ?? current,
        signals: {
          promotionsDue: () => worker?.wake(),
          eventsStored: () => {
            relay.eventsStored();
            eventStream.wake();
            metrics?.ledgerChanged();
          },
        },
      });
      worker = new PromotionWorker({ db, ledger, snapshots, plugins: registry, clock, pluginClock, logger: logger.child({ component: 'promotions' }) });
      const reads = new LedgerReads(db);
      const placements = new PlacementReads(db, () => clock.now());
      const dora = new DoraReads(db);
      const triggers = new TriggerService({ ledger, db, clock });
      const webhooks = new Webhooks({ db, queue, config: () => kernel?.config ?? config, logger: logger.child({ component: 'webhooks' }), clock });
      metrics = new Metrics({
        countDeployments: () => reads.countByStatus(),
        dora: () => {
          const to = clock.now();
          return dora.report(kernel?.current.index ?? current.index, {}, { from: new Date(to.getTime() - 30 * 86_400_000), to });
        },
      });

      let routes: RouteSpec[] = [];
      // The same whatever the configuration: made once.
      const asyncapi = asyncApiDocument({ version: VERSION, license: LICENSE });
      const api: ApiContext = {
        ledger,
        reads,
        placements,
        dora: (filter, window) => dora.report(kernel!.current.index, filter, window),
        now: () => clock.now(),
        triggers,
        webhooks: webhooks.deliveries,
        eventStream,
        auditEntries: (filter, page) => listAuditEntries(db, filter, page),
        dashboard: new DashboardAssets(),
        config: () => kernel!.configuration,
        model: () => kernel!.current.index,
        reload: (audit) => kernel!.reload(audit),
        health: () => kernel!.health(),
        metricsText: async () => ({ contentType: metrics.registry.contentType, body: await metrics.registry.metrics() }),
        openapi: () => openApiDocument(routes, { version: VERSION, license: LICENSE, authEnabled: kernel!.configuration.auth !== null }),
        asyncapi: () => asyncapi,
      };
      routes = apiRoutes(api);
      const app = createApp({
        routes,
        authenticator: () => kernel!.authenticator,
        metrics,
        logger,
        rateLimiter: config.server.rateLimit ? new RateLimiter(config.server.rateLimit.perMinute, clock) : null,
        writeAudit: (records) => writeAuditEntries(db.sql, db.orm.getMetadata(), records),
        clock,
      });
      // Subscribers first, so that nothing the relay publishes at start finds nobody listening.
      const retention = new Retention(db, logger.child({ component: 'retention' }));
      const triggerConsumer = new TriggerConsumer({ queue, service: triggers, logger: logger.child({ component: 'triggers' }) });
      // On the embedded queue, triggers come from this process (a plugin publishing one); events
      // enter its log only for a group whose pattern they match, so this group costs the ledger nothing.
      await triggerConsumer.start();
      stopOnFailure.unshift(() => triggerConsumer.stop());
      await webhooks.start();
      stopOnFailure.unshift(() => webhooks.stop());
      kernel = new Kernel(
        options,
        { logger, clock, installationId, db, snapshots, plugins, worker, queue, embeddedQueue, relay, retention, triggerConsumer, webhooks, eventStream, ledger, reads, app },
        config,
        current,
      );
      await relay.start();
      stopOnFailure.unshift(() => relay.stop());
      retention.start();
      worker.start();
      stopOnFailure.unshift(() => worker.stop());
      if (options.listen !== false) await kernel.listen();
      kernel.accepting = true;
      logger.info({ url: kernel.url, database: db.kind, installationId, plugins: config.plugins.map((p) => p.package) }, 'DeployDB started');
      return kernel;
    } catch (error) {
      for (const stop of stopOnFailure) await stop().catch(() => undefined);
      throw error;
    }
  }

  /** The base URL the API listens on, or null when not listening. */
  get url(): string | null {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) return null;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  get config(): DeployDbConfig {
    return this.configuration;
  }

  private listen(): Promise<void> {
    const env = this.options.env ?? process.env;
    const port = this.options.port ?? this.configuration.server.port;
    return new Promise((resolve, reject) => {
      const server = serve({ fetch: this.app.fetch, port, hostname: this.configuration.server.host }, () => resolve());
      server.once('error', reject);
      server.on('clientError', answerClientError);
      this.server = server;
    });
  }

  /**
   * Reloads deploydb.yaml. New flows start with the new configuration; flows already started
   * keep theirs. An invalid file throws its errors and changes nothing. Plugins are created at
   * start, so the list of plugin packages can only change with a restart.
   */
  async reload(audit?: PendingAudit<Reloaded>): Promise<Reloaded> {
    const env = this.options.env ?? process.env;
    const config = await loadConfig({
      path: this.options.configPath,
      env,
      describePlugin: async (name, dir) => this.options.plugins?.[name] ?? importPlugin(name, dir),
    });
    // What was built at start from these sections can only change with a restart: refuse rather
    // than keep the old values silently.
    for (const section of ['server', 'database', 'queue', 'plugins'] as const) {
      if (JSON.stringify(config[section]) !== JSON.stringify(this.configuration[section])) {
        throw ConfigInvalidError.single(config.file, section, `changing ${section} needs a restart; a reload changes environments, promotions, pipelines, services, webhooks and auth`);
      }
    }
    if (config.logging.format !== this.configuration.logging.format) {
      throw ConfigInvalidError.single(config.file, 'logging.format', 'changing logging.format needs a restart; a reload changes the log level');
    }
    // The audit entry commits with the snapshot that new flows will take, or neither does.
    const snapshotId = await this.db.em().transactional(async (em) => {
      const id = await this.parts.snapshots.save(em, flowModelOf(config));
      if (audit) {
        const run: SqlRunner = (statement, params) => em.execute(statement, params as never[]);
        await writeAuditEntries(run, this.db.orm.getMetadata(), [{ ...audit.entry({ snapshotId: id }), at: this.parts.clock.now() }]);
      }
      return id;
    });
    if (audit) audit.recorded = true;
    this.configuration = config;
    this.current = { snapshotId, index: new ModelIndex(flowModelOf(config)) };
    this.authenticator = new Authenticator(config.auth?.tokens ?? null);
    if (!this.options.logger) (this.logger as { level?: string }).level = config.logging.level;
    await this.parts.webhooks.reconfigured();
    this.logger.info({ snapshotId }, 'configuration reloaded');
    return { snapshotId };
  }

  /**
   * The reload `SIGHUP` asks for: audited like `POST /api/admin/reload`, by the actor `SIGHUP`.
   * An invalid file is logged and recorded as refused (422); the old configuration stays.
   */
  async reloadOnSignal(): Promise<void> {
    const audit = new PendingAudit<Reloaded>('SIGHUP', 'config.reload', 200, (answer) => ({
      target: 'config',
      detail: answer ? { snapshotId: answer.snapshotId } : {},
    }));
    try {
      await this.reload(audit);
    } catch (error) {
      this.logger.error({ errors: (error as Error).message }, 'reload refused; the old configuration stays');
      const status = isDeployDbError(error) ? httpStatusOf(error.code) : 500;
      await writeAuditEntries(this.db.sql, this.db.orm.getMetadata(), [
        { ...audit.refusal(status, isDeployDbError(error) ? error.code : 'internal'), at: this.parts.clock.now() },
      ]).catch((failure: unknown) => this.logger.error({ err: failure }, 'could not write an audit entry'));
    }
  }

  /** This installation's id, kept in its database (see `installationIdOf`). */
  get installationId(): string {
    return this.parts.installationId;
  }

  async health(): Promise<HealthReport> {
    const probes: Record<string, HealthProbe> = {
      database: async () => ((await this.db.ping()) ? { status: 'ok' } : { status: 'down', detail: 'the database does not answer' }),
      ...(this.parts.embeddedQueue ? { queue: () => this.parts.embeddedQueue!.health() } : {}),
      ...this.parts.plugins.healthProbes(),
    };
    return { ...(await checkHealth(probes, this.accepting)), installationId: this.parts.installationId };
  }

  /**
   * Graceful stop: not ready, stop taking requests and finish those in flight, let the worker
   * finish its evaluations and the relay its round, stop plugins in reverse order, close the store.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    this.accepting = false;
    // Open streams would hold the server's close until the drain deadline: end them first.
    await this.parts.eventStream.stop();
    const server = this.server;
    if (server) {
      // Requests in flight get a few seconds; connections still open then are closed.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const closable = server as unknown as { closeIdleConnections?: () => void; closeAllConnections?: () => void };
      closable.closeIdleConnections?.();
      const deadline = setTimeout(() => closable.closeAllConnections?.(), HTTP_DRAIN_MS);
      await closed;
      clearTimeout(deadline);
    }
    const { worker, relay, retention, triggerConsumer, webhooks, plugins, embeddedQueue, db } = this.parts;
    retention.stop();
    // Side by side, each with its own grace period, so that the whole stop stays well under 30 s.
    await Promise.all([worker.stop(STOP_GRACE_MS), relay.stop(), triggerConsumer.stop(), webhooks.stop()]);
    await plugins.stop();
    await embeddedQueue?.stop();
    await db.close();
    this.logger.info('DeployDB stopped');
  }
}

/** How long requests in flight may take to finish on stop. */
const HTTP_DRAIN_MS = 10_000;
/** How long promotion evaluations in flight may take to finish on stop. */
const STOP_GRACE_MS = 8_000;

/** What a running kernel is made of, in start order. */
interface KernelParts {
  logger: Logger;
  clock: Clock;
  installationId: string;
  db: Database;
  snapshots: ConfigSnapshots;
  plugins: StartedPlugins;
  queue: QueueProvider;
  embeddedQueue: EmbeddedQueue | null;
  relay: OutboxRelay;
  retention: Retention;
  triggerConsumer: TriggerConsumer;
  webhooks: Webhooks;
  eventStream: EventStreamHub;
  ledger: Ledger;
  reads: LedgerReads;
  worker: PromotionWorker;
  app: Hono;
}

function flowModelOf(config: DeployDbConfig) {
  return { environments: config.environments, promotions: config.promotions, pipelines: config.pipelines, services: config.services };
}
