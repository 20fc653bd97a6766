/**
 * `@deploydb/core`: what plugin authors build on. Nothing internal is exported from here.
 */
export * from './plugin-api/index.js';
/** The schema of an artifact registration (`POST /api/artifacts`), for plugins that check one before sending it. */
export { ArtifactInput as ArtifactInputSchema } from './domain/inputs.js';
export { DeployDbError, isDeployDbError, type ErrorCode, type ErrorDetail } from './errors.js';
export { retry, backoffDelay, exponentialDelay, withTimeout, sleep, TimeoutError, type RetryOptions } from './retry.js';
export { describeFetchError } from './fetchError.js';
export type * from './domain/shapes.js';
export type {
  Role,
  EnvironmentConfig,
  PromotionConfig,
  PipelineConfig,
  PipelineStage,
  ServiceConfig,
} from './config/model.js';
export { default as Type, type Static, type TSchema } from 'typebox';
