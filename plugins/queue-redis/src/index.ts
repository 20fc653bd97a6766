/**
 * `@deploydb/queue-redis`: DeployDB's event bus on Redis Streams. Enable it under `queue:` in
 * deploydb.yaml with `plugin: "@deploydb/queue-redis"`.
 */
import { definePlugin } from '@deploydb/core';
import { redisQueueConfigSchema } from './configSchema.js';
import { RedisQueueProvider } from './redisQueueProvider.js';

export { redisQueueConfigSchema, type RedisQueueConfig } from './configSchema.js';
export { RedisQueueProvider, TRIGGER_PREFIX, dedupeKey, groupName, type RedisProviderOptions } from './redisQueueProvider.js';
export { DEFAULT_STREAM, DEFAULT_TRIGGER_STREAM, derivedNames, ownerKey, type StreamNames } from './ownership.js';

export default definePlugin({
  id: '@deploydb/queue-redis',
  kind: 'queue',
  configSchema: redisQueueConfigSchema,
  create: ({ config, logger, installationId }) => new RedisQueueProvider(config, logger, { installationId }),
});
