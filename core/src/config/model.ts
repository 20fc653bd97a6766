/**
 * The configuration as loaded: as written, each plugin's defaults filled in, every reference
 * checked. Parsed once and never mutated (it is deep-frozen by the loader).
 */

export type Role = 'read' | 'ci' | 'approver' | 'admin';
export const ROLES: readonly Role[] = ['read', 'ci', 'approver', 'admin'];

export interface EnvironmentConfig {
  key: string;
  description: string | null;
  url: string | null;
  hosts: string[];
}

export interface PromotionConfig {
  key: string;
  type: string;
  /** The promotion's own settings (everything but `type`), validated by its plugin's schema. */
  settings: Record<string, unknown>;
}

export interface PipelineStage {
  name: string;
  promotions: string[];
}

export interface PipelineConfig {
  key: string;
  environments: PipelineStage[];
}

export interface ServiceConfig {
  key: string;
  name: string;
  /** Modules, `group:name`. */
  artifacts: string[];
  pipelines: string[];
  promotions: string[];
}

export interface WebhookConfig {
  url: string;
  events: string[];
  environments: string[];
  secret: string | null;
  retry: { attempts: number; backoff: number };
}

export interface AuthToken {
  name: string;
  /**
   * `sha256:` and the lowercase hex SHA-256 of the token, however the file gave it: the token
   * itself is not kept once the file is loaded.
   */
  tokenHash: string;
  roles: Role[];
}

export interface PluginEntry {
  package: string;
  config: Record<string, unknown>;
}

/** The part of the configuration that decides how flows travel; each flow keeps a copy. */
export interface FlowModel {
  environments: EnvironmentConfig[];
  promotions: PromotionConfig[];
  pipelines: PipelineConfig[];
  services: ServiceConfig[];
}

export interface DeployDbConfig extends FlowModel {
  /** Absolute path of the file this was loaded from. */
  file: string;
  /** `rateLimit`: requests per minute per token (per client address without one); null: no limit. */
  server: { port: number; host: string; rateLimit: { perMinute: number } | null };
  /** `format` null: pretty on a terminal, JSON otherwise. */
  logging: { level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent'; format: 'json' | 'pretty' | null };
  database: { url: string | null; dir: string };
  queue: PluginEntry | null;
  plugins: PluginEntry[];
  auth: { tokens: AuthToken[] } | null;
  webhooks: WebhookConfig[];
}
