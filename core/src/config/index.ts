/**
 * `deploydb.yaml`: where it is, how it is loaded and checked, and what it loads into.
 */
export { findConfigPath, DEFAULT_CONFIG_FILE, type FindConfigPathOptions } from './findConfigPath.js';
export { loadConfig, type LoadConfigOptions } from './loadConfig.js';
export type { DescribePlugin, PromotionDefinition, QueueDefinition } from './loadPlugins.js';
export { ConfigInvalidError, formatProblem, type ConfigProblem } from './problems.js';
export { expand, retype, type Env } from './substitute.js';
export { isLoopback } from './checkModel.js';
export {
  ConfigFileSchema,
  LOG_LEVELS,
  NAME_PATTERN,
  WEBHOOK_SECRET_PATTERN,
  type ConfigFile,
  type LogLevel,
} from './schema.js';
export * from './model.js';
