import { coreServices, defineSubscriberPlugin } from '@deploydb/core';
import { ChatConfigSchema } from './schema.js';
import { messageFor } from './message.js';
import { RecentIds } from './recentIds.js';

export { ChatConfigSchema, type ChatConfig } from './schema.js';
export { messageFor, type ChatMessage } from './message.js';

/**
 * Posts each deployment that completes or fails in the configured environments to a
 * Slack-compatible incoming webhook. A post that fails (no answer, or not 2xx) throws, so DeployDB
 * delivers the event again later; an event posted once is not posted again by this instance.
 */
export default defineSubscriberPlugin({
  id: 'deploydb-subscriber-chat',
  configSchema: ChatConfigSchema,
  deps: { http: coreServices.httpClient, logger: coreServices.logger },
  create({ config, deps }) {
    const posted = new RecentIds(1000);
    return {
      subscribe: [
        {
          events: ['deployment.completed', 'deployment.failed'],
          environments: config.environments,
          async handle(event) {
            const message = messageFor(event);
            if (!message || posted.has(event.id)) return;
            const response = await deps.http.fetch(config.webhookUrl, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(message),
              timeoutMs: config.timeout * 1000,
            });
            if (!response.ok) throw new Error(`the chat webhook answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
            posted.add(event.id);
            deps.logger.debug({ eventId: event.id }, 'posted to chat');
          },
        },
      ],
    };
  },
});
