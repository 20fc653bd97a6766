/**
 * `@deploydb/queue-redis`: DeployDB's event bus on Redis Streams. Enable it under `queue:` in
 * deploydb.yaml with `plugin: "@deploydb/queue-redis"`.
 */
import { definePlugin } from '@deploydb/core';
import { redisQueueConfigSchema } from './configSchema.js';
import { RedisQueueProvider } from './redisQueueProvider.js';

export { redisQueueConfigSchema, type RedisQueueConfig } from './configSchema.js';
export { RedisQueueProvider, TRIGGER_PREFIX, dedupeKey, groupName } from './redisQueueProvider.js';

export default definePlugin({
  id: '@deploydb/queue-redis',
  kind: 'queue',
  configSchema: redisQueueConfigSchema,
  create: ({ config, logger }) => new RedisQueueProvider(config, logger),
});
