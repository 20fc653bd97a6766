import { Type, type Static } from '@deploydb/core';

/** The plugin's `config:` under `plugins:` in deploydb.yaml. */
export const ChatConfigSchema = Type.Object(
  {
    /** The incoming webhook to post to (Slack, Mattermost, Rocket.Chat, or anything that takes `{text}`). */
    webhookUrl: Type.String({ pattern: '^https?://', description: 'incoming webhook URL' }),
    /** Environments whose changes are posted. */
    environments: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, default: ['prod'] }),
    /** Seconds one post may take before it counts as failed (and the event comes again later). */
    timeout: Type.Number({ exclusiveMinimum: 0, maximum: 60, default: 10 }),
  },
  { additionalProperties: false },
);

export type ChatConfig = Static<typeof ChatConfigSchema>;
