import Type from 'typebox';
import type { EnvironmentConfig, PipelineConfig, PromotionConfig, ServiceConfig } from '../config/model.js';

/** Configuration objects as the API shows them: as loaded, plus `key` (CONTRACT §4). */

export const EnvironmentSchema = Type.Object(
  {
    key: Type.String(),
    description: Type.Union([Type.String(), Type.Null()]),
    url: Type.Union([Type.String(), Type.Null()]),
    hosts: Type.Array(Type.String()),
  },
  { $id: 'Environment' },
);
export const PipelineSchema = Type.Object(
  { key: Type.String(), environments: Type.Array(Type.Object({ name: Type.String(), promotions: Type.Array(Type.String()) })) },
  { $id: 'Pipeline' },
);
export const PromotionSchema = Type.Object(
  { key: Type.String(), type: Type.String() },
  { $id: 'Promotion', additionalProperties: true, description: "The promotion's settings appear beside key and type" },
);
export const ServiceSchema = Type.Object(
  {
    key: Type.String(),
    name: Type.String(),
    artifacts: Type.Array(Type.String()),
    pipelines: Type.Array(Type.String()),
    promotions: Type.Array(Type.String()),
  },
  { $id: 'Service' },
);

export const environmentView = (e: EnvironmentConfig) => ({ key: e.key, description: e.description, url: e.url, hosts: e.hosts });
export const pipelineView = (p: PipelineConfig) => ({ key: p.key, environments: p.environments.map((s) => ({ name: s.name, promotions: s.promotions })) });
export const promotionView = (p: PromotionConfig) => ({ ...p.settings, key: p.key, type: p.type });
export const serviceView = (s: ServiceConfig) => ({ key: s.key, name: s.name, artifacts: s.artifacts, pipelines: s.pipelines, promotions: s.promotions });
