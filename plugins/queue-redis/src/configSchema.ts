import { Type, type Static } from '@deploydb/core';

/** The `config:` of `@deploydb/queue-redis` under `queue:` in deploydb.yaml. */
export const redisQueueConfigSchema = Type.Object(
  {
    url: Type.String({ default: 'redis://127.0.0.1:6379', minLength: 1, description: 'redis:// or rediss:// URL, with credentials and database if needed.' }),
    // No schema default for the streams: whether they were written decides what a clash with
    // another installation does (configured: refuse to start; defaults: derive names of its own).
    stream: Type.Optional(Type.String({ minLength: 1, description: 'Stream holding every event but triggers; default "deploydb:events".' })),
    triggerStream: Type.Optional(Type.String({ minLength: 1, description: 'Stream holding types under deploydb.trigger.; default "deploydb:triggers".' })),
    claimIdle: Type.Number({
      default: 30,
      exclusiveMinimum: 0,
      description: 'Seconds a delivered message may sit unacknowledged with a consumer that stopped answering before another consumer claims it.',
    }),
    blockMs: Type.Integer({ default: 2000, minimum: 10, description: 'Longest a read waits on the server for new messages.' }),
    maxLen: Type.Integer({ default: 1_000_000, minimum: 0, description: 'Approximate length each stream is trimmed to; 0 keeps everything.' }),
    retryDelay: Type.Number({ default: 1, minimum: 0, description: 'Seconds before a message whose handler threw comes back; doubles per attempt, at most 300.' }),
    duplicateWindow: Type.Number({ default: 120, exclusiveMinimum: 0, description: 'Seconds within which a repeated event id is stored once.' }),
    concurrency: Type.Integer({ default: 10, minimum: 1, description: 'Handlers running at once per subscription.' }),
  },
  { additionalProperties: false },
);

/** The plugin's configuration with defaults filled in. */
export type RedisQueueConfig = Static<typeof redisQueueConfigSchema>;
