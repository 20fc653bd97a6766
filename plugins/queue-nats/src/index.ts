/**
 * `@deploydb/queue-nats`: DeployDB's event bus on NATS JetStream. Enable it under `queue:` in
 * deploydb.yaml with `plugin: "@deploydb/queue-nats"`.
 */
import { definePlugin } from '@deploydb/core';
import { natsQueueConfigSchema } from './configSchema.js';
import { NatsQueueProvider } from './natsQueueProvider.js';

export { natsQueueConfigSchema, type NatsQueueConfig } from './configSchema.js';
export { NatsQueueProvider, KEY_HEADER, type NatsProviderOptions } from './natsQueueProvider.js';
export { DEFAULT_STREAM, DEFAULT_SUBJECT_PREFIX, derivedNames, ownerOf, type BusNames } from './ownership.js';

export default definePlugin({
  id: '@deploydb/queue-nats',
  kind: 'queue',
  configSchema: natsQueueConfigSchema,
  create: ({ config, logger, installationId }) => new NatsQueueProvider(config, logger, { installationId }),
});
