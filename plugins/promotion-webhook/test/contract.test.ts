import { afterAll } from 'vitest';
import { promotionPluginContract } from '@deploydb/core/testing';
import webhook from '../src/index.js';
import { refusedUrl, statusServer } from './servers.js';

const healthy = await statusServer(200);
const refused = await refusedUrl();
afterAll(() => healthy.close());

promotionPluginContract('WebhookPromotion', {
  plugin: webhook,
  validSettings: [{ url: '/healthcheck' }, { url: 'http://127.0.0.1:9/health', status: 204, timeout: 1, retries: 0, policy: 'any' }],
  invalidSettings: [{ url: 'healthcheck' }, { url: '/h', status: 99 }, { url: '/h', policy: 'most' }],
  scenarios: [
    { name: 'every host answers the status', settings: { url: '/', timeout: 2 }, environment: { url: healthy.url }, expect: 'SUCCESS' },
    { name: 'a refused connection with no retries left', settings: { url: refused, timeout: 1, retries: 0 }, expect: 'FAILED' },
  ],
});
