/**
 * Hand-built evaluation contexts: what the kernel's worker would pass to `evaluate`.
 */
import type { Clock, Deployment, EnvironmentConfig, EvaluationContext, Logger, ServiceConfig } from '@deploydb/core';

const silent: Logger = {
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silent,
};

export const quietLogger = silent;

/** A clock that only moves when told to. */
export class ManualClock implements Clock {
  constructor(private current = new Date('2025-01-01T00:00:00.000Z')) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(seconds: number): void {
    this.current = new Date(this.current.getTime() + seconds * 1000);
  }
}

export function environment(overrides: Partial<EnvironmentConfig> = {}): EnvironmentConfig {
  return { key: 'preprod', description: 'Pre-production', url: null, hosts: [], ...overrides };
}

export const service: ServiceConfig = {
  key: 'faas',
  name: 'Fun as a Service',
  artifacts: ['com.github.lookout:foas'],
  pipelines: ['devtoprod'],
  promotions: [],
};

/** A COMPLETED deployment with one STARTED promotion result (id 11). */
export function deployment(environmentKey: string, promotion: string, type: string): Deployment {
  const at = '2025-01-01T00:00:00.000Z';
  return {
    id: 7,
    flowId: 3,
    artifact: { id: 5, group: 'com.github.lookout', name: 'foas', version: '1.4.2', sourceUrl: 'http://example.test/foas-1.4.2.jar', createdAt: at },
    service: 'faas',
    pipeline: 'devtoprod',
    environment: environmentKey,
    status: 'COMPLETED',
    promotions: [{ id: 11, promotion, type, status: 'STARTED', infoUrl: null, reason: null, actor: null, evidence: null, createdAt: at, updatedAt: at }],
    createdAt: at,
    updatedAt: at,
  };
}

export interface ContextOptions<S> {
  settings: S;
  environment?: EnvironmentConfig;
  state?: unknown;
  attempt?: number;
  signal?: AbortSignal;
  clock?: Clock;
}

/** The context of one evaluation of result 11 of deployment 7. */
export function evaluationContext<S>(promotion: string, type: string, options: ContextOptions<S>): EvaluationContext<S> {
  const env = options.environment ?? environment();
  const dep = deployment(env.key, promotion, type);
  return {
    deployment: dep,
    result: dep.promotions[0]!,
    environment: env,
    service,
    settings: options.settings,
    reports: [],
    attempt: options.attempt ?? 1,
    state: options.state ?? null,
    signal: options.signal ?? new AbortController().signal,
    logger: silent,
    clock: options.clock ?? new ManualClock(),
  };
}
