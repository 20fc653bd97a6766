import type { PipelineConfig, ServiceConfig } from './api/types';

/**
 * One order for environments of several pipelines: each pipeline's order is kept, and an
 * environment first seen in a later pipeline goes right after the one it follows there.
 */
export function environmentOrder(pipelines: readonly PipelineConfig[]): string[] {
  const order: string[] = [];
  for (const pipeline of pipelines) {
    let previous: string | null = null;
    for (const { name } of pipeline.environments) {
      if (!order.includes(name)) order.splice(previous === null ? firstAfter(order, pipeline, name) : order.indexOf(previous) + 1, 0, name);
      previous = name;
    }
  }
  return order;
}

/** Where an environment that starts a pipeline goes: before the first one it precedes there, else last. */
function firstAfter(order: string[], pipeline: PipelineConfig, name: string): number {
  const rest = pipeline.environments.map((e) => e.name);
  const later = rest.slice(rest.indexOf(name) + 1).find((n) => order.includes(n));
  return later === undefined ? order.length : order.indexOf(later);
}

/** The environments a service's pipelines go through, in the merged order. */
export function environmentsOf(service: ServiceConfig, pipelines: readonly PipelineConfig[]): string[] {
  return environmentOrder(pipelines.filter((p) => service.pipelines.includes(p.key)));
}

/** The promotions a deployment to `environment` of `pipeline` must pass: the stage's, then the service's (CONTRACT §3). */
export function promotionsFor(service: ServiceConfig | undefined, pipeline: PipelineConfig | undefined, environment: string): string[] {
  const stage = pipeline?.environments.find((e) => e.name === environment)?.promotions ?? [];
  return [...new Set([...stage, ...(service?.promotions ?? [])])];
}
