/**
 * Hand-built evaluation contexts: what the kernel's worker would pass to `evaluate`.
 */
import type { Clock, Deployment, EvaluationContext, Logger } from '@deploydb/core';
import type { SoakSettings } from '../src/index.js';

const silent: Logger = { trace: () => {}, debug: () => {}, info: () => {}, warn: () => {}, error: () => {}, child: () => silent };

/** When deployment 7 became COMPLETED in these tests. */
export const COMPLETED_AT = '2025-01-01T12:00:00.000Z';

/** A clock that only moves when told to. */
export class ManualClock implements Clock {
  private current: number;
  constructor(start: string = COMPLETED_AT) {
    this.current = Date.parse(start);
  }
  now(): Date {
    return new Date(this.current);
  }
  advance(seconds: number): this {
    this.current += seconds * 1000;
    return this;
  }
}

/** Deployment `id` of service `web` in `prod`, created an hour before it became COMPLETED. */
export function deployment(overrides: Partial<Deployment> & { version?: string } = {}): Deployment {
  const { version = '1.0.0', ...rest } = overrides;
  const createdAt = '2025-01-01T11:00:00.000Z';
  return {
    id: 7,
    flowId: 3,
    artifact: { id: 5, group: 'com.acme', name: 'web', version, sourceUrl: `https://ci.acme.test/web/${version}`, revision: null, committedAt: null, createdAt },
    service: 'web',
    pipeline: 'devtoprod',
    environment: 'prod',
    status: 'COMPLETED',
    kind: 'flow',
    reason: null,
    statusAt: COMPLETED_AT,
    promotions: [
      { id: 11, promotion: 'soak', type: 'SoakTime', status: 'STARTED', infoUrl: null, reason: null, actor: null, nextEvaluationAt: COMPLETED_AT, evidence: null, createdAt, updatedAt: COMPLETED_AT },
    ],
    createdAt,
    updatedAt: COMPLETED_AT,
    ...rest,
  };
}

export interface ContextOptions {
  seconds?: number;
  clock?: Clock;
  state?: unknown;
  deployment?: Deployment;
  signal?: AbortSignal;
}

/** The context of one evaluation of result 11 of deployment 7 (or of the deployment given). */
export function evaluationContext(options: ContextOptions = {}): EvaluationContext<SoakSettings> {
  const dep = options.deployment ?? deployment();
  return {
    deployment: dep,
    result: dep.promotions[0]!,
    environment: { key: dep.environment, description: null, url: null, hosts: [] },
    service: { key: dep.service, name: 'Web', artifacts: ['com.acme:web'], pipelines: [dep.pipeline ?? 'devtoprod'], promotions: [] },
    settings: { seconds: options.seconds ?? 600 },
    reports: [],
    attempt: 1,
    state: options.state ?? null,
    signal: options.signal ?? new AbortController().signal,
    logger: silent,
    clock: options.clock ?? new ManualClock(),
  };
}
