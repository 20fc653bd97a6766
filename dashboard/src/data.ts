import { allPages, api, unwrap } from './api/client';
import type { Deployment, EnvironmentConfig, PipelineConfig, PromotionConfig, ServiceConfig, ServiceEnvironment } from './api/types';

/** The configuration as loaded by the server: what the pages arrange their data by. */
export interface Configuration {
  services: ServiceConfig[];
  pipelines: PipelineConfig[];
  environments: EnvironmentConfig[];
  promotions: PromotionConfig[];
}

export async function loadConfiguration(): Promise<Configuration> {
  const query = { limit: 500 };
  const [services, pipelines, environments, promotions] = await Promise.all([
    allPages((cursor) => unwrap(api.GET('/api/services', { params: { query: { ...query, cursor } } }))),
    allPages((cursor) => unwrap(api.GET('/api/pipelines', { params: { query: { ...query, cursor } } }))),
    allPages((cursor) => unwrap(api.GET('/api/environments', { params: { query: { ...query, cursor } } }))),
    allPages((cursor) => unwrap(api.GET('/api/promotions', { params: { query: { ...query, cursor } } }))),
  ]);
  return { services: services.items, pipelines: pipelines.items, environments: environments.items, promotions: promotions.items };
}

export async function serviceEnvironments(name: string): Promise<ServiceEnvironment[]> {
  return (await unwrap(api.GET('/api/services/{name}/environments', { params: { path: { name } } }))) as ServiceEnvironment[];
}

export async function deployment(id: number): Promise<Deployment> {
  return (await unwrap(api.GET('/api/deployments/{id}', { params: { path: { id } } }))) as Deployment;
}

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
