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
