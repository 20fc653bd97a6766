import { Type, type Static } from '@deploydb/core';

const positiveOrUnlimited = (description: string, fallback: number) =>
  Type.Union([Type.Literal(-1), Type.Integer({ minimum: 1 })], { default: fallback, description });

/** The `config:` of `@deploydb/queue-nats` under `queue:` in deploydb.yaml. */
export const natsQueueConfigSchema = Type.Object(
  {
    servers: Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })], {
      default: 'nats://127.0.0.1:4222',
      description: 'NATS server URL, or several of one cluster.',
    }),
    // No schema default for the names: whether they were written decides what a clash with
    // another installation does (configured: refuse to start; defaults: derive names of its own).
    stream: Type.Optional(
      Type.String({ pattern: '^[^\\s.*>/\\\\]+$', description: 'JetStream stream holding the events; default "DEPLOYDB".' }),
    ),
    subjects: Type.Array(Type.String({ minLength: 1 }), {
      default: ['deploydb.>'],
      minItems: 1,
      description: 'Subjects the stream captures; every published type must match one.',
    }),
    subjectPrefix: Type.Optional(
      Type.String({
        pattern: '^([^\\s.*>]+\\.)*$',
        description: 'Prepended to every subject (e.g. "staging."), so several installations can share one NATS account; default "".',
      }),
    ),
    ackWait: Type.Number({ default: 30, exclusiveMinimum: 0, description: 'Seconds a delivered message may go unacknowledged before NATS redelivers it.' }),
    maxDeliver: positiveOrUnlimited('Deliveries of one message before NATS gives up on it; -1 is unbounded.', -1),
    retryDelay: Type.Number({ default: 1, minimum: 0, description: 'Seconds before a message whose handler threw comes back; doubles per attempt, at most 300.' }),
    duplicateWindow: Type.Number({ default: 120, minimum: 0.1, description: 'Seconds within which a repeated event id is stored once (NATS needs at least 0.1).' }),
    maxMessages: positiveOrUnlimited('Messages the stream keeps before dropping the oldest; -1 is unbounded.', 1_000_000),
    concurrency: Type.Integer({ default: 10, minimum: 1, description: 'Handlers running at once per subscription.' }),
    user: Type.Optional(Type.String()),
    pass: Type.Optional(Type.String()),
    token: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/** The plugin's configuration with defaults filled in. */
export type NatsQueueConfig = Static<typeof natsQueueConfigSchema>;
