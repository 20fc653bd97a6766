export * from './definePlugin.js';
export type * from './promotion.js';
export type * from './queue.js';
export type * from './context.js';
export type * from './logger.js';
export type * from './health.js';
export type * from './subscriber.js';
export type * from './source.js';
export { createServiceRef, isServiceRef, provide, SERVICE_REF_TAG, type ServiceRef, type ServiceDeps, type ResolvedDeps, type ProvidedService } from './serviceRef.js';
export {
  coreServices,
  type LedgerService,
  type LedgerPage,
  type LedgerPageRequest,
  type HttpClient,
  type HttpRequestOptions,
  type Scheduler,
  type ScheduledTask,
  type PluginRoutes,
  type PluginRouteSpec,
  type PluginMetrics,
  type CoreServiceId,
} from './coreServices.js';
export type { CurrentDeployment, ServiceInEnvironment, HistoryEntry, HistoryPosition } from '../store/placementReads.js';
export { systemClock, type Clock } from './clock.js';
export { KeyedRunner } from './keyedRunner.js';
export { assertPattern, assertSubject, subjectMatches } from './subjects.js';
