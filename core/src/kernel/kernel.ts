import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';
import { ConfigInvalidError, loadConfig } from '../config/index.js';
import { DeployDbError, isDeployDbError } from '../errors.js';
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
import { PluginHost } from './plugins.js';
import { Lifecycle, type LifecyclePart } from './lifecycle.js';
import { ServiceRegistry, type CoreServiceFactory } from './serviceRegistry.js';
import { coreServices } from '../plugin-api/coreServices.js';
import type { ServiceRef } from '../plugin-api/serviceRef.js';
import { createHttpClient } from './services/httpClient.js';
import { advisoryLocks, PluginScheduler, processLocks, type TaskLocks } from './services/scheduler.js';
import { ledgerService } from './services/ledgerService.js';
import { pluginRoutes } from './services/pluginRoutes.js';
import { pluginMetrics } from './services/pluginMetrics.js';
import { sourceCommands } from './services/sourceCommands.js';
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
   * The clock plugins see (their context's, `coreServices.clock`, each evaluation's): a test sets
   * it to run a plugin at a chosen time of day while the ledger keeps `clock`.
   */
  pluginClock?: Clock;
  /** Listen for HTTP (default true). Without, use `kernel.app.request(...)` in-process. */
  listen?: boolean;
  /** Overrides `server.port` (0: any free port). */
  port?: number;
  /** Plugins by package name, used instead of importing those packages (the test harness). */
  plugins?: Readonly<Record<string, PluginDefinition>>;
  /** Services that replace the kernel's or a plugin's under their reference (the test harness's fakes). */
  services?: ReadonlyArray<readonly [ServiceRef<any>, unknown]>;
  /** Settings of the live event stream (tests shorten its keep-alive interval). */
  eventStream?: EventStreamOptions;
}

/**
 * The DeployDB kernel: the configuration, loaded and checked first (plugins imported to check
 * their settings), then the parts declared in {@link Kernel.parts}, started in dependency order
 * and stopped in exact reverse by one routine (kernel/lifecycle.ts), on a failed start as on
 * `stop()`. Plugins start the same way, inside the `plugins` part.
 */
export class Kernel {
  private accepting = false;
  private server: ServerType | null = null;
  private stopping: Promise<void> | null = null;
  private configuration: DeployDbConfig;
  private current!: CurrentModel;
  private authenticator: Authenticator;
  private lifecycle: Lifecycle | null = null;
  private readonly clock: Clock;
  private readonly pluginClock: Clock;
  readonly logger: Logger;

  // What the parts make, each set by the part that starts it (see parts()).
  private database!: Database;
  private installation!: string;
  private snapshots!: ConfigSnapshots;
  private model!: {
    ledger: Ledger;
    reads: LedgerReads;
    placements: PlacementReads;
    dora: DoraReads;
    triggers: TriggerService;
    metrics: Metrics;
    eventStream: EventStreamHub;
    worker: PromotionWorker;
    registry: PromotionRegistry;
    plugins: PluginHost;
    /** The API's own routes; plugins' routes are added to `routes` as they start. */
    coreRoutes: RouteSpec[];
    pluginRoutes: RouteSpec[];
  };
  private messaging!: {
    queue: QueueProvider;
    embeddedQueue: EmbeddedQueue | null;
    relay: OutboxRelay;
    webhooks: Webhooks;
    triggerConsumer: TriggerConsumer;
  };
  private retention!: Retention;
  private taskLocks!: TaskLocks;
  private routes: RouteSpec[] = [];
  private hono!: Hono;

  private constructor(
    private readonly options: KernelOptions,
    config: DeployDbConfig,
    private readonly definitions: ReadonlyMap<string, PluginDefinition>,
    logger: Logger,
  ) {
    this.configuration = config;
    this.logger = logger;
    this.clock = options.clock ?? systemClock;
    this.pluginClock = options.pluginClock ?? this.clock;
    this.authenticator = new Authenticator(config.auth?.tokens ?? null);
  }

  get app(): Hono {
    return this.hono;
  }
  get ledger(): Ledger {
    return this.model.ledger;
  }
  get reads(): LedgerReads {
    return this.model.reads;
  }
  get db(): Database {
    return this.database;
  }
  /** The queue events are published to: a queue plugin's, or the embedded one. */
  get queue(): QueueProvider {
    return this.messaging.queue;
  }
  get webhooks(): Webhooks {
    return this.messaging.webhooks;
  }
  /** The live event stream and its clients. */
  get eventStream(): EventStreamHub {
    return this.model.eventStream;
  }

  /** Loads the configuration and starts everything; throws ConfigInvalidError for a bad file. */
  static async start(options: KernelOptions): Promise<Kernel> {
    const env = options.env ?? process.env;
    const definitions = new Map<string, PluginDefinition>();
    const describePlugin = async (name: string, dir: string) => {
      const definition = options.plugins?.[name] ?? (await importPlugin(name, dir));
      definitions.set(name, definition);
      return definition;
    };
    const config = await loadConfig({ path: options.configPath, env, describePlugin });
    const kernel = new Kernel(options, config, definitions, options.logger ?? createLogger(config.logging));
    kernel.lifecycle = await Lifecycle.start(kernel.parts(), kernel.logger, { noun: 'part' });
    kernel.accepting = true;
    kernel.logger.info(
      { url: kernel.url, database: kernel.db.kind, installationId: kernel.installation, plugins: config.plugins.map((p) => p.package) },
      'DeployDB started',
    );
    return kernel;
  }

  /**
   * The kernel's parts: what each needs started before it, how it starts and how it stops. Start
   * follows the dependencies (then this order); stop is the exact reverse.
   */
  private parts(): LifecyclePart[] {
    const config = this.configuration;
    const logger = this.logger;
    const clock = this.clock;
    return [
      {
        name: 'database',
        start: async () => {
          this.database = await openDatabase({ url: config.database.url, dir: config.database.dir, logger: logger.child({ component: 'store' }) });
          const applied = await this.database.migrate();
          if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
          this.installation = await installationIdOf(this.database);
          this.snapshots = new ConfigSnapshots();
          const snapshotId = await this.snapshots.save(this.database.em(), flowModelOf(config));
          this.current = { snapshotId, index: new ModelIndex(flowModelOf(config)) };
        },
        stop: () => this.database.close(),
      },
      {
        // The ledger, its reads, and what serves them: made here, started by the parts below.
        name: 'ledger',
        dependsOn: ['database'],
        start: () => this.assembleLedger(),
      },
      {
        name: 'queue',
        dependsOn: ['ledger'],
        start: async () => {
          const db = this.database;
          const provided = await this.model.plugins.startQueue();
          const embeddedQueue = provided ? null : new EmbeddedQueue({ db, logger: logger.child({ component: 'queue' }) });
          await embeddedQueue?.start();
          const queue = provided ?? embeddedQueue!;
          this.messaging = {
            queue,
            embeddedQueue,
            relay: new OutboxRelay({
              db,
              queue,
              takeFromOutbox: embeddedQueue ? (limit) => embeddedQueue.takeFromOutbox(limit) : undefined,
              logger: logger.child({ component: 'outbox' }),
            }),
            webhooks: new Webhooks({ db, queue, config: () => this.configuration, logger: logger.child({ component: 'webhooks' }), clock }),
            triggerConsumer: new TriggerConsumer({ queue, service: this.model.triggers, logger: logger.child({ component: 'triggers' }) }),
          };
        },
        stop: async () => {
          await this.messaging?.embeddedQueue?.stop();
          await this.model.plugins.stop('queue');
        },
      },
      {
        name: 'plugins',
        dependsOn: ['ledger', 'queue'],
        start: () => this.model.plugins.startPlugins(),
        stop: async () => {
          await this.model.plugins.stop('plugins');
          await this.taskLocks.close();
        },
      },
      {
        // On the embedded queue, triggers come from this process (a plugin publishing one); events
        // enter its log only for a group whose pattern they match, so this group costs the ledger nothing.
        name: 'triggers',
        dependsOn: ['queue'],
        start: () => this.messaging.triggerConsumer.start(),
        stop: () => this.messaging.triggerConsumer.stop(),
      },
      {
        name: 'webhooks',
        dependsOn: ['queue'],
        start: () => this.messaging.webhooks.start(),
        stop: () => this.messaging.webhooks.stop(),
      },
      {
        // After every subscriber, so that nothing the relay publishes at start finds nobody listening.
        name: 'relay',
        dependsOn: ['queue', 'plugins', 'triggers', 'webhooks'],
        start: () => this.messaging.relay.start(),
        stop: () => this.messaging.relay.stop(),
      },
      {
        name: 'retention',
        dependsOn: ['database'],
        start: () => {
          this.retention = new Retention(this.database, logger.child({ component: 'retention' }));
          this.retention.start();
        },
        stop: () => this.retention.stop(),
      },
      {
        name: 'worker',
        dependsOn: ['plugins', 'relay'],
        start: () => this.model.worker.start(),
        stop: () => this.model.worker.stop(STOP_GRACE_MS),
      },
      {
        name: 'http',
        dependsOn: ['ledger', 'plugins', 'worker'],
        start: () => this.startHttp(),
        stop: () => this.stopHttp(),
      },
    ];
  }

  /** Makes the ledger, its reads, the metrics, the API's routes and the plugin host (nothing to start or stop). */
  private assembleLedger(): void {
    const { configuration: config, logger, clock } = this;
    const db = this.database;
    const registry = new PromotionRegistry();
    const eventStream = new EventStreamHub(db, logger.child({ component: 'event-stream' }), this.options.eventStream);
    const ledger = new Ledger({
      storage: new LedgerStorage(db, this.snapshots),
      plugins: registry,
      clock,
      current: () => this.current,
      signals: {
        promotionsDue: () => this.model.worker.wake(),
        eventsStored: () => {
          this.messaging?.relay.eventsStored();
          eventStream.wake();
          this.model.metrics.ledgerChanged();
        },
      },
    });
    const reads = new LedgerReads(db);
    const placements = new PlacementReads(db, () => clock.now());
    const dora = new DoraReads(db);
    const lastMonth = () => {
      const to = clock.now();
      return { from: new Date(to.getTime() - 30 * 86_400_000), to };
    };
    const metrics = new Metrics({ countDeployments: () => reads.countByStatus(), dora: () => dora.report(this.current.index, {}, lastMonth()) });
    const triggers = new TriggerService({ ledger, db, clock });
    const worker = new PromotionWorker({ db, ledger, snapshots: this.snapshots, plugins: registry, clock, pluginClock: this.pluginClock, logger: logger.child({ component: 'promotions' }) });
    // The same whatever the configuration: made once.
    const asyncapi = asyncApiDocument({ version: VERSION, license: LICENSE });
    const messaging = () => this.messaging;
    const api: ApiContext = {
      ledger,
      reads,
      placements,
      dora: (filter, window) => dora.report(this.current.index, filter, window),
      now: () => clock.now(),
      triggers,
      // The deliveries are made with the webhooks, once the queue is known; routes read them on request.
      get webhooks() {
        return messaging().webhooks.deliveries;
      },
      eventStream,
      auditEntries: (filter, page) => listAuditEntries(db, filter, page),
      dashboard: new DashboardAssets(),
      config: () => this.configuration,
      model: () => this.current.index,
      reload: (audit) => this.reload(audit),
      health: () => this.health(),
      metricsText: async () => ({ contentType: metrics.registry.contentType, body: await metrics.registry.metrics() }),
      openapi: () => openApiDocument(this.routes, { version: VERSION, license: LICENSE, authEnabled: this.configuration.auth !== null }),
      asyncapi: () => asyncapi,
    };
    const coreRoutes = apiRoutes(api);
    const pluginRouteList: RouteSpec[] = [];
    const writeAudit = (records: Parameters<typeof writeAuditEntries>[2]) => writeAuditEntries(db.sql, db.orm.getMetadata(), records);
    this.taskLocks = db.kind === 'postgres' ? advisoryLocks(db.url) : processLocks();
    const ledgerReadOnly = ledgerService(reads, placements, () => this.current.index);
    const httpClient = createHttpClient();
    const core = new Map<string, CoreServiceFactory>([
      [coreServices.logger.id, (plugin) => ({ value: logger.child({ plugin: plugin.packageName }) })],
      [coreServices.clock.id, () => ({ value: this.pluginClock })],
      [coreServices.ledger.id, () => ({ value: ledgerReadOnly })],
      [coreServices.httpClient.id, () => ({ value: httpClient })],
      [
        coreServices.scheduler.id,
        (plugin) => {
          const scheduler = new PluginScheduler(plugin.id, this.taskLocks, logger.child({ plugin: plugin.packageName }));
          return { value: scheduler, dispose: () => scheduler.stopAll() };
        },
      ],
      [coreServices.routes.id, (plugin) => ({ value: pluginRoutes(plugin.id, pluginRouteList) })],
      [coreServices.metrics.id, (plugin) => ({ value: pluginMetrics(plugin.id, metrics.registry) })],
    ]);
    const services = new ServiceRegistry(core, new Map((this.options.services ?? []).map(([ref, value]) => [ref.id, value])));
    const plugins = new PluginHost({
      config,
      definitions: this.definitions,
      services,
      registry,
      logger,
      clock: this.pluginClock,
      installationId: this.installation,
      queue: () => this.messaging.queue,
      commands: (pluginId) => sourceCommands({ pluginId, ledger, reads, routes: coreRoutes, writeAudit, clock, logger: logger.child({ component: 'source' }) }),
    });
    this.model = { ledger, reads, placements, dora, triggers, metrics, eventStream, worker, registry, plugins, coreRoutes, pluginRoutes: pluginRouteList };
  }

  /** Builds the HTTP app from core's routes and the plugins', and listens unless told not to. */
  private async startHttp(): Promise<void> {
    const { coreRoutes, pluginRoutes: fromPlugins, metrics } = this.model;
    const taken = new Set(coreRoutes.map((route) => route.operationId));
    for (const route of fromPlugins) {
      if (taken.has(route.operationId)) throw new DeployDbError('config_invalid', `plugin route ${route.path}: operationId "${route.operationId}" is already taken`);
      taken.add(route.operationId);
    }
    this.routes = [...coreRoutes, ...fromPlugins];
    const db = this.database;
    this.hono = createApp({
      routes: this.routes,
      authenticator: () => this.authenticator,
      metrics,
      logger: this.logger,
      rateLimiter: this.configuration.server.rateLimit ? new RateLimiter(this.configuration.server.rateLimit.perMinute, this.clock) : null,
      writeAudit: (records) => writeAuditEntries(db.sql, db.orm.getMetadata(), records),
      clock: this.clock,
    });
    if (this.options.listen !== false) await this.listen();
  }

  /** Open streams would hold the server's close until the drain deadline: they end first. */
  private async stopHttp(): Promise<void> {
    await this.model.eventStream.stop();
    const server = this.server;
    if (!server) return;
    // Requests in flight get a few seconds; connections still open then are closed.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const closable = server as unknown as { closeIdleConnections?: () => void; closeAllConnections?: () => void };
    closable.closeIdleConnections?.();
    const deadline = setTimeout(() => closable.closeAllConnections?.(), HTTP_DRAIN_MS);
    await closed;
    clearTimeout(deadline);
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
      const id = await this.snapshots.save(em, flowModelOf(config));
      if (audit) {
        const run: SqlRunner = (statement, params) => em.execute(statement, params as never[]);
        await writeAuditEntries(run, this.db.orm.getMetadata(), [{ ...audit.entry({ snapshotId: id }), at: this.clock.now() }]);
      }
      return id;
    });
    if (audit) audit.recorded = true;
    this.configuration = config;
    this.current = { snapshotId, index: new ModelIndex(flowModelOf(config)) };
    this.authenticator = new Authenticator(config.auth?.tokens ?? null);
    if (!this.options.logger) (this.logger as { level?: string }).level = config.logging.level;
    await this.messaging.webhooks.reconfigured();
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
        { ...audit.refusal(status, isDeployDbError(error) ? error.code : 'internal'), at: this.clock.now() },
      ]).catch((failure: unknown) => this.logger.error({ err: failure }, 'could not write an audit entry'));
    }
  }

  /** This installation's id, kept in its database (see `installationIdOf`). */
  get installationId(): string {
    return this.installation;
  }

  async health(): Promise<HealthReport> {
    const embeddedQueue = this.messaging?.embeddedQueue;
    const probes: Record<string, HealthProbe> = {
      database: async () => ((await this.db.ping()) ? { status: 'ok' } : { status: 'down', detail: 'the database does not answer' }),
      ...(embeddedQueue ? { queue: () => embeddedQueue.health() } : {}),
      ...this.model.plugins.healthProbes(),
    };
    return { ...(await checkHealth(probes, this.accepting)), installationId: this.installation };
  }

  /**
   * Graceful stop: not ready, then every part in exact reverse order of start: stop taking
   * requests and finish those in flight, let the worker finish its evaluations and the relay its
   * round, stop plugins in reverse order, close the store.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    this.accepting = false;
    await this.lifecycle?.stop();
    this.logger.info('DeployDB stopped');
  }
}

/** How long requests in flight may take to finish on stop. */
const HTTP_DRAIN_MS = 10_000;
/** How long promotion evaluations in flight may take to finish on stop. */
const STOP_GRACE_MS = 8_000;

function flowModelOf(config: DeployDbConfig) {
  return { environments: config.environments, promotions: config.promotions, pipelines: config.pipelines, services: config.services };
}
