/**
 * Evaluation contexts of these tests: result 11 of deployment 7 (com.github.lookout:foas:1.4.2,
 * service faas), built with the testing kit, on a clock that moves only when told to.
 */
import type { EnvironmentConfig, EvaluationContext } from '@deploydb/core';
import { evaluationContext as kitContext, ManualClock, silentLogger, type ContextOptions } from '@deploydb/core/testing';

export { ManualClock, silentLogger as quietLogger };

export function environment(overrides: Partial<EnvironmentConfig> = {}): EnvironmentConfig {
  return { key: 'preprod', description: 'Pre-production', url: null, hosts: [], ...overrides };
}

export function evaluationContext<S>(promotion: string, type: string, options: Omit<ContextOptions<S>, 'environment'> & { environment?: EnvironmentConfig }): EvaluationContext<S> {
  const clock = options.clock ?? new ManualClock();
  return kitContext(type, {
    ...options,
    clock,
    environment: options.environment ?? environment(),
    service: { key: 'faas', name: 'Fun as a Service', artifacts: ['com.github.lookout:foas'], pipelines: ['devtoprod'] },
    result: { id: 11, promotion },
    deployment: {
      id: 7,
      flowId: 3,
      artifact: { id: 5, group: 'com.github.lookout', name: 'foas', version: '1.4.2', sourceUrl: 'http://example.test/foas-1.4.2.jar', revision: null, committedAt: null, createdAt: clock.now().toISOString() },
    },
  });
}
