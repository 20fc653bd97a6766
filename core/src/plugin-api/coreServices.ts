import type { Counter, CounterConfiguration, Gauge, GaugeConfiguration, Histogram, HistogramConfiguration } from 'prom-client';
import type { TObject } from 'typebox';
import type { Artifact, Deployment, DeploymentStatus, Flow, FlowStatus } from '../domain/shapes.js';
import type { CurrentDeployment, HistoryEntry, HistoryPosition, ServiceInEnvironment } from '../store/placementReads.js';
import type { RouteSpec } from '../http/route.js';
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';
import { createServiceRef, type ServiceRef } from './serviceRef.js';

/** One page of a list, oldest first: pass the last item's id as `after` for the next. */
export interface LedgerPage<T> {
  items: T[];
  more: boolean;
}

/** Which page of a list: ids greater than `after` (default 0), at most `limit` (default 50, at most 500). */
export interface LedgerPageRequest {
  after?: number;
  limit?: number;
}

/**
 * The ledger, read-only: the same reads the HTTP API answers from (CONTRACT §4 and §11). Times
 * (`at`) in the future answer as now.
 */
export interface LedgerService {
  artifact(id: number): Promise<Artifact | null>;
  /** The most recently registered version of a module, or null. */
  latestArtifact(group: string, name: string): Promise<Artifact | null>;
  artifacts(filter?: { q?: string; group?: string; name?: string }, page?: LedgerPageRequest): Promise<LedgerPage<Artifact>>;
  deployment(id: number): Promise<Deployment | null>;
  deployments(filter?: { service?: string; environment?: string; status?: DeploymentStatus; artifactId?: number }, page?: LedgerPageRequest): Promise<LedgerPage<Deployment>>;
  flow(id: number): Promise<Flow | null>;
  flows(filter?: { service?: string; status?: FlowStatus; artifactId?: number }, page?: LedgerPageRequest): Promise<LedgerPage<Flow>>;
  /** Per service, what is current in an environment (now, or as of `at`). */
  currentIn(environment: string, options?: { at?: Date }): Promise<CurrentDeployment[]>;
  /** A service across the environments of its pipelines: current and in-flight deployment of each. Unknown service: []. */
  serviceAcross(service: string, options?: { at?: Date }): Promise<ServiceInEnvironment[]>;
  /** Newest first, each time a deployment became current there; pass `next` back as `before` for the following page. */
  history(service: string, environment: string, options?: { limit?: number; before?: HistoryPosition | null }): Promise<{ items: HistoryEntry[]; next: HistoryPosition | null }>;
}

/** `fetch` options, plus how long one attempt may take and how often a failed one is tried again. */
export interface HttpRequestOptions extends RequestInit {
  /** Milliseconds one attempt may take (default 10 000). */
  timeoutMs?: number;
  /**
   * Further attempts after a network error, a timeout, 429 or 502/503/504 (default 2 for GET,
   * HEAD, PUT, DELETE and OPTIONS, 0 for other methods, which may not be safe to repeat).
   */
  retries?: number;
}

/** `fetch` with a timeout per attempt and retries with backoff; the answer of the last attempt is returned. */
export interface HttpClient {
  fetch(url: string | URL, options?: HttpRequestOptions): Promise<Response>;
}

/** A task run by the scheduler; `stop` waits for a run in progress. */
export interface ScheduledTask {
  stop(): Promise<void>;
}

/**
 * Runs a function every N seconds on one DeployDB instance: of the instances sharing a database,
 * the first to take the task's lock runs it, and keeps it until the task stops or the instance
 * goes away; then another takes it over. A run is never concurrent with itself anywhere, and a
 * run still going when the next is due makes that one skipped. A run that throws is logged; the
 * next one comes at its time. Tasks stop with their plugin.
 */
export interface Scheduler {
  /** `name` is unique within the plugin; the lock is named after the plugin and it. */
  every(name: string, seconds: number, task: (signal: AbortSignal) => Promise<void> | void): ScheduledTask;
}

/**
 * A route of a plugin: declared like core's routes (schemas validate the request and describe
 * it in /openapi.json), served under `/api/plugins/<plugin id>` + `path` behind the same auth
 * and roles. Plugin routes read: every write is audited under one of the contract's actions, so
 * changes go through the ledger's commands.
 */
export type PluginRouteSpec<P extends TObject = TObject, Q extends TObject = TObject> = Omit<RouteSpec<P, Q>, 'tag' | 'audit' | 'body' | 'method'> & {
  method: 'get';
};

/** Where a plugin adds its routes; add them in `create` (the HTTP server is built after plugins start). */
export interface PluginRoutes {
  /** `/api/plugins/<plugin id>`. */
  readonly basePath: string;
  add<P extends TObject = TObject, Q extends TObject = TObject>(route: PluginRouteSpec<P, Q>): void;
}

/** Prometheus metrics on the kernel's `/metrics`, named `deploydb_plugin_<plugin id>_<name>`. */
export interface PluginMetrics {
  /** The prefix every name gets, e.g. `deploydb_plugin_acme_chat_`. */
  readonly prefix: string;
  counter<L extends string = string>(config: Omit<CounterConfiguration<L>, 'registers'>): Counter<L>;
  gauge<L extends string = string>(config: Omit<GaugeConfiguration<L>, 'registers'>): Gauge<L>;
  histogram<L extends string = string>(config: Omit<HistogramConfiguration<L>, 'registers'>): Histogram<L>;
}

/** The services every kernel provides; declare them in a plugin's `deps`. */
export const coreServices = Object.freeze({
  /** A logger named after the plugin's package. */
  logger: createServiceRef<Logger>({ id: 'core.logger' }),
  clock: createServiceRef<Clock>({ id: 'core.clock' }),
  ledger: createServiceRef<LedgerService>({ id: 'core.ledger' }),
  httpClient: createServiceRef<HttpClient>({ id: 'core.httpClient' }),
  scheduler: createServiceRef<Scheduler>({ id: 'core.scheduler' }),
  routes: createServiceRef<PluginRoutes>({ id: 'core.routes' }),
  metrics: createServiceRef<PluginMetrics>({ id: 'core.metrics' }),
});

/** The ids of core services: each plugin gets its own value of those marked per plugin. */
export type CoreServiceId = (typeof coreServices)[keyof typeof coreServices]['id'];
export type { ServiceRef };
