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

/** What runs in each environment of a service, now or as of `at` (ISO-8601). */
export function serviceEnvironments(name: string, at?: string): Promise<ServiceEnvironment[]> {
  return unwrap(api.GET('/api/services/{name}/environments', { params: { path: { name }, query: { at } } }));
}

export function deployment(id: number): Promise<Deployment> {
  return unwrap(api.GET('/api/deployments/{id}', { params: { path: { id } } }));
}
