import type { Deployment, PromotionResult } from '../domain/shapes.js';
import type { EnvironmentConfig, ServiceConfig } from '../config/model.js';
import type { EvaluationContext, PromotionReport, ReportContext, Caller } from '../plugin-api/promotion.js';
import { systemClock, type Clock } from '../plugin-api/clock.js';
import { silentLogger } from './silentLogger.js';

export interface ContextOptions<S> {
  settings: S;
  /** Default: `{key: 'staging', url: 'http://127.0.0.1:9', hosts: []}`. */
  environment?: Partial<EnvironmentConfig>;
  service?: Partial<ServiceConfig>;
  deployment?: Partial<Deployment>;
  result?: Partial<PromotionResult>;
  reports?: PromotionReport[];
  attempt?: number;
  state?: unknown;
  signal?: AbortSignal;
  clock?: Clock;
}

/**
 * An evaluation context as the kernel's worker would hand it to a promotion plugin: a COMPLETED
 * deployment with one STARTED result of the plugin's type. Override any part.
 */
export function evaluationContext<S>(type: string, options: ContextOptions<S>): EvaluationContext<S> {
  const at = (options.clock ?? systemClock).now().toISOString();
  const environment: EnvironmentConfig = { key: 'staging', description: null, url: 'http://127.0.0.1:9', hosts: [], ...options.environment };
  const service: ServiceConfig = { key: 'app', name: 'App', artifacts: ['com.example:app'], pipelines: ['main'], promotions: [], ...options.service };
  const result: PromotionResult = {
    id: 1,
    promotion: 'gate',
    type,
    status: 'STARTED',
    infoUrl: null,
    reason: null,
    actor: null,
    // Being evaluated: it was due now.
    nextEvaluationAt: at,
    evidence: null,
    createdAt: at,
    updatedAt: at,
    ...options.result,
  };
  const deployment: Deployment = {
    id: 1,
    flowId: 1,
    artifact: { id: 1, group: 'com.example', name: 'app', version: '1.0.0', sourceUrl: 'https://ci.example/app/1.0.0', revision: null, committedAt: null, createdAt: at },
    service: service.key,
    pipeline: service.pipelines[0] ?? 'main',
    environment: environment.key,
    status: 'COMPLETED',
    kind: 'flow',
    reason: null,
    promotions: [result],
    statusAt: at,
    createdAt: at,
    updatedAt: at,
    ...options.deployment,
  };
  return {
    deployment,
    result,
    environment,
    service,
    settings: options.settings,
    reports: options.reports ?? [],
    attempt: options.attempt ?? 1,
    state: options.state ?? null,
    signal: options.signal ?? new AbortController().signal,
    logger: silentLogger,
    clock: options.clock ?? systemClock,
  };
}

/** A report context: `caller` reporting `report` on the same deployment. */
export function reportContext<S>(
  type: string,
  options: ContextOptions<S> & { caller: Caller; report: Pick<PromotionReport, 'status'> & Partial<PromotionReport> },
): ReportContext<S> {
  const { attempt: _attempt, state: _state, signal: _signal, logger: _logger, clock, ...target } = evaluationContext(type, options);
  return {
    ...target,
    caller: options.caller,
    report: { actor: options.caller.name, reportedAt: clock.now().toISOString(), infoUrl: null, reason: null, ...options.report } as PromotionReport,
  };
}
